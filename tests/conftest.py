"""Fixtures shared by every test package: a fresh warehouse file and the fixture folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from chainsight.warehouse import Warehouse

# Machines here are shared and noisy (2 cores): a property's first example may take 0.5 s while the
# interpreter warms up. Correctness is what the properties check; speed lives in bench/.
settings.register_profile("chainsight", deadline=None)
settings.load_profile("chainsight")

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
