"""The cockpit reads rollups when they are fresh and shows exactly what it shows without them."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from chainsight.metrics import refresh_rollups, rollups_enabled
from chainsight.metrics._rollup import fresh_rollups
from chainsight.warehouse import Warehouse


def _close(a, b, path: str = "") -> None:  # type: ignore[no-untyped-def]
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-9, abs=1e-9), path
    else:
        assert a == b, path


@pytest.fixture
def rolled_app(demo_warehouse: Warehouse, tmp_path: Path, appdb):  # type: ignore[no-untyped-def]
    from chainsight.web import create_app

    path = tmp_path / "rolled.duckdb"
    shutil.copy(demo_warehouse.path, path)
    with Warehouse.open(path) as wh:
        report = refresh_rollups(wh)
    assert {r["action"] for r in report.rollups} == {"built"}
    wh = Warehouse.open(path, read_only=True)
    yield create_app(wh, appdb)
    rollups_enabled(True)
    wh.close()


@pytest.mark.parametrize("user", ["boss", "zj"])
def test_cockpit_equal_with_and_without_rollups(rolled_app, login, user: str) -> None:
    wh = rolled_app.state.services.wh
    assert len(fresh_rollups(wh)) == 5
    c = login(rolled_app, user, headers={"accept-language": "en"})
    fast = c.get("/api/cockpit").json()
    from chainsight.warehouse import DuckDBWarehouse

    compiled = DuckDBWarehouse.compiled_queries()
    assert any("_cs_rollup_sell_in_month_customer" in sql for sql in compiled)
    assert any("_cs_rollup_inventory_month" in sql for sql in compiled)
    rollups_enabled(False)
    rolled_app.state.services.views.cache.clear()
    slow = c.get("/api/cockpit").json()
    rollups_enabled(True)
    assert fast["tiles"][0]["value"] is not None
    _close(fast, slow)
