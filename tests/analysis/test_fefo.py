"""The columnar FEFO engine against an independent day-by-day simulation on random sites."""

from __future__ import annotations

import datetime as dt
import random

import ibis
import pyarrow as pa
import pytest

from chainsight.analysis import DailyDemand, WeeklyDemand, project_groups, project_lots

AS_OF = dt.date(2026, 1, 1)
HORIZON = 60


def _simulate(lots: list[dict], demand: list[float], tail: float) -> tuple[dict[str, float], int | None]:
    """Serve each day's demand from the earliest-expiring unexpired lot; what is left at expiry is wasted."""
    order = sorted(lots, key=lambda r: (r["e"], r["mfg"], r["lot_id"]))
    left = {r["lot_id"]: r["qty"] for r in order}
    last = max([r["e"] for r in order] + [HORIZON])
    stockout = None
    for k in range(1, last + 1):
        need = demand[k - 1] if k <= HORIZON else tail
        for r in order:
            if need <= 0:
                break
            if r["e"] < k or left[r["lot_id"]] <= 0:
                continue
            take = min(need, left[r["lot_id"]])
            left[r["lot_id"]] -= take
            need -= take
        if need > 1e-9 and stockout is None and k <= HORIZON:
            stockout = k
    # whatever remains was never sold: it expired (every lot here has an expiry date)
    return left, stockout


def _random_sites(seed: int, n_sites: int) -> tuple[list[dict], list[dict]]:
    rng = random.Random(seed)
    lots, daily = [], []
    for s in range(n_sites):
        site = f"S{s}"
        for i in range(rng.randint(1, 6)):
            lots.append(
                dict(
                    site_id=site,
                    item_id="X",
                    lot_id=f"L{i}",
                    status="available",
                    e=rng.choice([-3, 0, 1, 5, 5, 12, 30, 59, 60, 75]),
                    mfg=rng.randint(0, 5),
                    qty=float(rng.choice([0, 3, 10, 40, 120])),
                )
            )
        pattern = rng.choice(["zero", "flat", "weekly", "lumpy"])
        for k in range(1, HORIZON + 1):
            q = {"zero": 0, "flat": 7, "weekly": 20 if k % 7 == 3 else 1, "lumpy": rng.choice([0, 0, 5, 30])}[
                pattern
            ]
            daily.append(dict(site_id=site, item_id="X", day=k, qty=float(q)))
    return lots, daily


def _lots_table(lots: list[dict]) -> ibis.Table:
    return ibis.memtable(
        pa.table(
            {
                "site_id": [r["site_id"] for r in lots],
                "item_id": [r["item_id"] for r in lots],
                "lot_id": [r["lot_id"] for r in lots],
                "status": [r["status"] for r in lots],
                "mfg_date": [AS_OF - dt.timedelta(days=100 - r["mfg"]) for r in lots],
                "expiry_date": [AS_OF + dt.timedelta(days=r["e"]) for r in lots],
                "qty": [r["qty"] for r in lots],
            }
        )
    )


def _check(lots: list[dict], daily: list[dict], demand, tails: dict[str, float] | None = None) -> None:
    con = ibis.duckdb.connect()
    projected = project_lots(_lots_table(lots), demand, AS_OF, HORIZON)
    got = con.to_polars(projected)
    groups = con.to_polars(project_groups(projected, demand, AS_OF, HORIZON))
    unsold = {(r["site_id"], r["lot_id"]): r["projected_unsold_qty"] for r in got.to_dicts()}
    stockouts = {r["site_id"]: r["stockout_day"] for r in groups.to_dicts()}
    for site in sorted({r["site_id"] for r in lots}):
        mine = [r for r in lots if r["site_id"] == site]
        days = [r["qty"] for r in daily if r["site_id"] == site]
        tail = tails[site] if tails else sum(days[-28:]) / 28
        left, stockout = _simulate(mine, days, tail)
        for lot_id, qty in left.items():
            assert unsold[(site, lot_id)] == pytest.approx(qty, abs=1e-6), (site, lot_id)
        assert stockouts.get(site) == stockout, site


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_daily_engine_matches_day_by_day_simulation(seed: int) -> None:
    lots, daily = _random_sites(seed, 60)
    _check(lots, daily, DailyDemand(ibis.memtable(pa.Table.from_pylist(daily))))


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_weekly_closed_form_matches_day_by_day_simulation(seed: int) -> None:
    rng = random.Random(seed)
    lots, _ = _random_sites(seed, 60)
    profile, daily, tails = [], [], {}
    for site in sorted({r["site_id"] for r in lots}):
        rates = [float(rng.choice([0, 0, 1, 2.5, 7, 30])) for _ in range(7)]
        profile += [
            dict(site_id=site, item_id="X", weekday=w, rate=rates[w])
            for w in range(7)
            if rates[w] or rng.random() < 0.5
        ]
        for k in range(1, HORIZON + 1):
            daily.append(
                dict(site_id=site, item_id="X", day=k, qty=rates[(AS_OF + dt.timedelta(days=k)).weekday()])
            )
        tails[site] = sum(rates) / 7
    # beyond the horizon a weekly rate keeps repeating; the simulation uses its daily average, so lots
    # expiring after the horizon are compared only where that makes no difference
    lots = [r for r in lots if r["e"] <= HORIZON]
    _check(lots, daily, WeeklyDemand(ibis.memtable(pa.Table.from_pylist(profile)), AS_OF), tails)


def test_lots_without_expiry_never_go_to_waste() -> None:
    con = ibis.duckdb.connect()
    lt = ibis.memtable(
        pa.table(
            {
                "site_id": ["S", "S"],
                "item_id": ["X", "X"],
                "lot_id": ["A", "B"],
                "status": ["available", "available"],
                "mfg_date": pa.array([None, None], pa.date32()),
                "expiry_date": pa.array([None, AS_OF + dt.timedelta(days=2)], pa.date32()),
                "qty": [100.0, 10.0],
            }
        )
    )
    daily = ibis.memtable(
        pa.table({"site_id": ["S"] * 3, "item_id": ["X"] * 3, "day": [1, 2, 3], "qty": [1.0] * 3})
    )
    got = {
        r["lot_id"]: r["projected_unsold_qty"]
        for r in con.to_polars(project_lots(lt, DailyDemand(daily), AS_OF, 3)).to_dicts()
    }
    assert got == {"A": 0.0, "B": 8.0}  # B (dated) goes first, sells 2 of 10; A never expires
