"""The Chinese retail calendar as data, and per-bucket event exposure (vectorised)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import yaml

__all__ = ["EVENTS", "Event", "event_days", "event_exposure"]


@dataclass(frozen=True, slots=True)
class Event:
    """A calendar event: its key, zh/en label and window (days relative to the anchor date)."""

    key: str
    zh: str
    en: str
    window: tuple[int, int]
    month_day: str | None  # fixed Gregorian date "MM-DD", or None for CNY (lunar)


@lru_cache(maxsize=1)
def _data() -> dict:
    text = resources.files("chainsight.planning").joinpath("chinese_calendar.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def _events() -> dict[str, Event]:
    out: dict[str, Event] = {}
    for key, spec in _data()["events"].items():
        lo, hi = spec["window"]
        out[str(key)] = Event(
            str(key), spec["label"]["zh"], spec["label"]["en"], (int(lo), int(hi)), spec.get("month_day")
        )
    return out


EVENTS: dict[str, Event] = _events()


def _anchors(event: Event, years: range) -> list[dt.date]:
    if event.month_day is None:
        cny = {int(y): dt.date.fromisoformat(d) for y, d in _data()["cny_dates"].items()}
        return [cny[y] for y in years if y in cny]
    month, day = (int(x) for x in event.month_day.split("-"))
    return [dt.date(y, month, day) for y in years]


def event_days(start: dt.date, end: dt.date) -> pd.DataFrame:
    """Every day in ``[start, end]`` with one 0/1 column per event (1 inside the event's window)."""
    days = pd.date_range(start, end, freq="D")
    frame = pd.DataFrame({"day": days})
    years = range(start.year - 1, end.year + 2)
    for event in EVENTS.values():
        flag = np.zeros(len(days), dtype=np.float64)
        for anchor in _anchors(event, years):
            lo = pd.Timestamp(anchor + dt.timedelta(days=event.window[0]))
            hi = pd.Timestamp(anchor + dt.timedelta(days=event.window[1]))
            flag[(days >= lo) & (days <= hi)] = 1.0
        frame[event.key] = flag
    return frame


def bucket_start(days: pd.Series | pd.DatetimeIndex, bucket: str) -> pd.Series:
    """Monday of the ISO week (``week``) or first day of the month (``month``)."""
    s = pd.Series(pd.to_datetime(days))
    if bucket == "week":
        return (s - pd.to_timedelta(s.dt.dayofweek, unit="D")).dt.normalize()
    return s.dt.to_period("M").dt.start_time


def event_exposure(periods: pd.Series | list, bucket: str) -> pd.DataFrame:
    """Share of each bucket's days inside each event window: rows ``period``, one column per event."""
    p = pd.to_datetime(pd.Series(periods)).drop_duplicates().sort_values()
    if p.empty:
        return pd.DataFrame(columns=["period", *EVENTS])
    last = p.max() + (pd.Timedelta(days=6) if bucket == "week" else pd.offsets.MonthEnd(0))
    days = event_days(p.min().date(), pd.Timestamp(last).date())
    days["period"] = bucket_start(days["day"], bucket).to_numpy()
    out = days.groupby("period", as_index=False)[list(EVENTS)].mean()
    return out[out["period"].isin(set(p))].reset_index(drop=True)
