"""Bullwhip and end-to-end flow on hand-checked fixtures, against hand-written SQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from analysis_fixture import AS_OF, build_expiry, build_sell_through

from chainsight._errors import UserInputError
from chainsight.analysis import bullwhip, flow
from chainsight.warehouse import Warehouse


@pytest.fixture(scope="module")
def st_wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    wh = Warehouse.open(tmp_path_factory.mktemp("bw") / "w.duckdb")
    build_sell_through(wh)
    yield wh
    wh.close()


def _cv2_sql(wh: Warehouse, table: str, start: str, end: str) -> float:
    """Squared coefficient of variation of weekly P2 quantities (weeks without rows count as 0)."""
    return wh.duckdb.execute(
        f"""
        WITH weeks AS (SELECT unnest(range(DATE '{start}', DATE '{end}' + 1, INTERVAL 7 DAY))::DATE AS week),
             q AS (SELECT date_trunc('week', date)::DATE AS week, sum(qty) AS qty FROM {table}
                   WHERE sku = 'P2' AND date BETWEEN DATE '{start}' AND DATE '{end}' GROUP BY 1)
        SELECT var_samp(coalesce(q.qty, 0)) / avg(coalesce(q.qty, 0)) ^ 2 FROM weeks LEFT JOIN q USING (week)
        """
    ).fetchone()[0]


def test_bullwhip_amplification_matches_hand_written_sql(st_wh: Warehouse) -> None:
    b = bullwhip(st_wh, as_of=AS_OF, weeks=26)
    assert (str(b.start), str(b.end)) == ("2025-08-25", "2026-02-22")  # 26 full weeks before as-of
    row = b.skus.filter(sku="P2").row(0, named=True)
    consumer = _cv2_sql(st_wh, "sell_out", "2025-08-25", "2026-02-22")
    sell_in = _cv2_sql(st_wh, "sell_in", "2025-08-25", "2026-02-22")
    assert row["consumer_cv2"] == pytest.approx(consumer)
    assert row["sell_in_cv2"] == pytest.approx(sell_in)
    assert row["sell_in_amplification"] == pytest.approx(sell_in / consumer)
    assert row["worst_stage"] == "sell_in"  # nothing was produced


def test_flow_days_of_cover_per_stage(tmp_path_factory: pytest.TempPathFactory) -> None:
    with Warehouse.open(tmp_path_factory.mktemp("flow") / "w.duckdb") as wh:
        build_expiry(wh)
        f = flow(wh, "P1", as_of=AS_OF)
        dc = f.stages.filter(stage="dc").row(0, named=True)
        # DC1 + DC2 hold 176 + 65; DC1 and DC3 ship 10 + 5 a day
        assert (
            dc["stock_qty"] == 241
            and dc["daily_flow"] == 15
            and dc["days_of_cover"] == pytest.approx(241 / 15)
        )
        assert f.stages.filter(stage="channel").row(0, named=True)["stock_qty"] == 0  # no sell-out reported
        with pytest.raises(UserInputError, match="NOPE"):
            flow(wh, "NOPE")
