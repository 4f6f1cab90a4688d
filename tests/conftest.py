"""Fixtures shared by every test package: a fresh warehouse file and the fixture folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chainsight.warehouse import Warehouse

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    """``tests/fixtures``."""
    return FIXTURES


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    """An empty warehouse in a DuckDB file of its own, closed after the test."""
    wh = Warehouse.open(tmp_path / "chainsight.duckdb")
    yield wh
    wh.close()
