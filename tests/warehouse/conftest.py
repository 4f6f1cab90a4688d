"""Fixtures for the warehouse tests: an empty Spark warehouse in a folder of each test's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from spark_fixture import spark_url

from chainsight.warehouse import Warehouse


@pytest.fixture
def spark_wh(tmp_path: Path) -> Iterator[Warehouse]:
    """An empty Spark warehouse."""
    wh = Warehouse.open(spark_url(tmp_path / "spark"))
    yield wh
    wh.close()
