"""Planning fixtures: a synthetic company with planted demand truths."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from planning_fixture import add_supply, build

from chainsight.warehouse import Warehouse


@pytest.fixture(scope="session")
def planning_wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    path = tmp_path_factory.mktemp("planning") / "chainsight.duckdb"
    wh = add_supply(build(Warehouse.open(path)))
    yield wh
    wh.close()
