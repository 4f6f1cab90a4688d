"""The demo calendar: days, weeks, months, Chinese retail events and seasonality curves (vectorised)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from chainsight.demo._catalog import CNY, MID_AUTUMN, SEASONS

DEFAULT_END = dt.date(2026, 10, 31)


def default_start(end: dt.date) -> dt.date:
    """History starts on the first day of ``end``'s month two years earlier (2024-10-01 for 2026-10-31)."""
    return dt.date(end.year - 2, end.month, 1)


@dataclass(frozen=True)
class Campaign:
    """An online shopping festival; each becomes promotions rows for the online channels."""

    key: str  # e.g. 2025-618
    name: str  # 618年中大促
    start: dt.date
    end: dt.date


@dataclass
class Calendar:
    start: dt.date
    end: dt.date
    days: np.ndarray = field(init=False)  # datetime64[D], start..end
    n: int = field(init=False)
    dow: np.ndarray = field(init=False)  # 0 = Monday
    doy: np.ndarray = field(init=False)
    week: np.ndarray = field(init=False)  # Monday-based week index, 0 = the (partial) first week
    n_weeks: int = field(init=False)
    month: np.ndarray = field(init=False)  # months since the start month
    n_months: int = field(init=False)
    month_starts: list[dt.date] = field(init=False)

    def __post_init__(self) -> None:
        d0 = np.datetime64(self.start, "D")
        self.n = (self.end - self.start).days + 1
        self.days = d0 + np.arange(self.n)
        self.dow = ((self.days.astype("int64") + 3) % 7).astype(np.int8)  # 1970-01-01 was a Thursday
        years = self.days.astype("datetime64[Y]")
        self.doy = (self.days - years.astype("datetime64[D]")).astype(np.int16) + 1
        self.week = ((np.arange(self.n) + int(self.dow[0])) // 7).astype(np.int32)
        self.n_weeks = int(self.week[-1]) + 1
        months = self.days.astype("datetime64[M]")
        m0 = months[0]
        self.month = (months - m0).astype(np.int32)
        self.n_months = int(self.month[-1]) + 1
        self.month_starts = [(m0 + i).astype("datetime64[D]").astype(dt.date) for i in range(self.n_months)]

    # ------------------------------------------------------------------ helpers
    def index(self, day: dt.date | str) -> int:
        """Day index of ``day`` (may be outside 0..n-1)."""
        d = dt.date.fromisoformat(day) if isinstance(day, str) else day
        return (d - self.start).days

    def date(self, i: int) -> dt.date:
        return self.start + dt.timedelta(days=int(i))

    def week_start(self, w: int) -> int:
        """Day index of the Monday of week ``w`` (negative for week 0 when history starts mid-week)."""
        return w * 7 - int(self.dow[0])

    def window(self, a: dt.date | str, b: dt.date | str) -> np.ndarray:
        """Boolean mask of days in [a, b]."""
        i, j = self.index(a), self.index(b)
        mask = np.zeros(self.n, dtype=bool)
        lo, hi = max(i, 0), min(j, self.n - 1)
        if lo <= hi:
            mask[lo : hi + 1] = True
        return mask

    def years(self) -> range:
        return range(self.start.year - 1, self.end.year + 2)

    def month_end_indices(self) -> list[int]:
        """Day index of every month end in the history (the last day counts when it is a month end)."""
        nxt = np.append(self.month[1:], self.month[-1] + 1)
        return [int(i) for i in np.flatnonzero(nxt != self.month)]

    def snapshot_indices(self) -> list[int]:
        """Month ends over the whole history plus the last 8 Sundays, and the final day."""
        idx = set(self.month_end_indices())
        sundays = np.flatnonzero(self.dow == 6)
        idx.update(int(i) for i in sundays[-8:])
        idx.add(self.n - 1)
        return sorted(idx)

    # ------------------------------------------------------------------ events
    def cny_offsets(self) -> np.ndarray:
        """Days relative to the nearest Chinese New Year (negative before it)."""
        cny = np.array([np.datetime64(CNY[y], "D") for y in self.years() if y in CNY])
        diff = (self.days[:, None] - cny[None, :]).astype(np.int64)
        nearest = np.argmin(np.abs(diff), axis=1)
        return diff[np.arange(self.n), nearest]

    def offline_multiplier(self, profile: str, online: bool = False) -> np.ndarray:
        """Seasonality × Chinese New Year × Mid-Autumn for one season profile.

        Offline stores also get the CNY stock-up and shutdown; ``online`` keeps only seasonality and the
        gift-box peaks (online traffic has its own calendar, :meth:`online_multiplier`).
        """
        amp, peak, gift = SEASONS[profile]
        season = 1.0 + amp * np.cos(2 * np.pi * (self.doy.astype(np.float64) - peak) / 365.25)
        off = self.cny_offsets()
        cny = np.ones(self.n)
        if not online:
            cny[(off >= -21) & (off <= -8)] = 1.15
            cny[(off >= -7) & (off <= -1)] = 1.3
            cny[(off >= 0) & (off <= 6)] = 0.55
            cny[(off >= 7) & (off <= 20)] = 0.85
        if gift > 1.0:
            ramp = (off >= -24) & (off <= -1)
            cny[ramp] *= 1.0 + (gift - 1.0) * (1.0 - (-off[ramp] - 1) / 24.0)
            for y in self.years():
                if y in MID_AUTUMN:
                    ma = dt.date.fromisoformat(MID_AUTUMN[y])
                    cny[self.window(ma - dt.timedelta(days=14), ma - dt.timedelta(days=1))] *= (
                        1.0 + (gift - 1.0) / 2
                    )
        national = np.zeros(self.n, dtype=bool)
        for y in self.years():
            national |= self.window(dt.date(y, 10, 1), dt.date(y, 10, 7))
        cny[national] *= 1.08
        return season * cny

    def online_multiplier(self) -> np.ndarray:
        """Online traffic: weekday pattern, 618, Double 11, 12.12, New-Year shopping and the CNY logistics stop."""
        m = np.array([1.0, 1.0, 0.98, 0.98, 0.95, 1.04, 1.06])[self.dow]
        for y in self.years():
            for a, b, f in (
                ((5, 20), (5, 31), 1.3),
                ((6, 1), (6, 3), 2.5),
                ((6, 4), (6, 15), 1.35),
                ((6, 16), (6, 17), 2.0),
                ((6, 18), (6, 18), 4.5),
                ((6, 19), (6, 21), 0.85),
                ((10, 24), (10, 31), 1.5),
                ((11, 1), (11, 3), 2.4),
                ((11, 4), (11, 10), 1.4),
                ((11, 11), (11, 11), 6.5),
                ((11, 12), (11, 14), 0.85),
                ((12, 10), (12, 11), 1.4),
                ((12, 12), (12, 12), 2.8),
                ((3, 3), (3, 8), 1.3),
                ((9, 5), (9, 9), 1.3),
            ):
                m[self.window(dt.date(y, *a), dt.date(y, *b))] *= f
        off = self.cny_offsets()
        m[(off >= -25) & (off <= -10)] *= 1.4
        m[(off >= -7) & (off <= 6)] *= 0.4
        m[(off >= 7) & (off <= 14)] *= 0.8
        return m

    def big_online_days(self) -> np.ndarray:
        """618 and 11.11 themselves: more refunds, orders just after midnight."""
        mask = np.zeros(self.n, dtype=bool)
        for y in self.years():
            mask |= self.window(dt.date(y, 6, 18), dt.date(y, 6, 18))
            mask |= self.window(dt.date(y, 11, 11), dt.date(y, 11, 11))
        return mask

    def campaigns(self, horizon_days: int = 61) -> list[Campaign]:
        """Online campaigns overlapping the history or starting within ``horizon_days`` after it."""
        out: list[Campaign] = []
        last = self.end + dt.timedelta(days=horizon_days)
        for y in self.years():
            cny = dt.date.fromisoformat(CNY[y]) if y in CNY else None
            items = [
                (f"{y}-38", "女王节", dt.date(y, 3, 3), dt.date(y, 3, 8)),
                (f"{y}-618", "618年中大促", dt.date(y, 6, 1), dt.date(y, 6, 18)),
                (f"{y}-99", "99划算节", dt.date(y, 9, 5), dt.date(y, 9, 9)),
                (f"{y}-1111", "双11全球狂欢节", dt.date(y, 10, 24), dt.date(y, 11, 11)),
                (f"{y}-1212", "双12年终盛典", dt.date(y, 12, 8), dt.date(y, 12, 12)),
            ]
            if cny is not None:
                items.append((f"{y}-NHJ", "年货节", cny - dt.timedelta(days=25), cny - dt.timedelta(days=10)))
            for key, name, a, b in items:
                if b >= self.start and a <= last:
                    out.append(Campaign(key, name, a, b))
        out.sort(key=lambda c: c.start)
        return out
