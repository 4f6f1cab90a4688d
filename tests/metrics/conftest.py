"""Fixtures for the metrics tests: the hand-checkable company of metrics_fixture.py, on every
engine. ``wh`` runs each test on DuckDB and (marked ``spark``, run by ``make test-spark``) on
local Spark over the same rows; ``@pytest.mark.notimpl(["spark"], reason=...)`` marks what an
engine cannot do yet (the test is expected to fail there, strictly)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from metrics_fixture import build_fixture

from chainsight.warehouse import Warehouse

ENGINES = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]


@pytest.fixture(scope="session")
def duckdb_wh() -> Iterator[Warehouse]:
    warehouse = build_fixture()
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="session")
def spark_wh(duckdb_wh: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """The same fixture copied into a Spark warehouse (Parquet partitioned by month)."""
    from chainsight.warehouse import copy_warehouse

    root: Path = tmp_path_factory.mktemp("spark") / "warehouse"
    warehouse = Warehouse.open(f"spark://local[2]?warehouse={root}")
    copy_warehouse(duckdb_wh, warehouse)
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="session", params=ENGINES)
def wh(request: pytest.FixtureRequest) -> Warehouse:
    return request.getfixturevalue(f"{request.param}_wh")  # type: ignore[no-any-return]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``notimpl(engines, reason=...)``: a strict expected failure on those engines, so a gap that
    gets fixed is noticed and the marker removed."""
    for item in items:
        marker = item.get_closest_marker("notimpl")
        callspec = getattr(item, "callspec", None)
        if marker and callspec and callspec.params.get("wh") in marker.args[0]:
            item.add_marker(pytest.mark.xfail(strict=True, reason=marker.kwargs["reason"]))
