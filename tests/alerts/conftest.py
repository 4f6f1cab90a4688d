"""Shared fixtures: an app database and the tiny demo warehouse."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alert_helpers import make_db

from chainsight.appdb import AppDB
from chainsight.warehouse import Warehouse


@pytest.fixture
def appdb() -> AppDB:
    return make_db()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, dict[str, Any]]]:
    """The tiny demo company (seed 0), loaded through the real loader, opened read-only; with truth.json."""
    from chainsight.demo import run

    root = tmp_path_factory.mktemp("alertsdemo")
    path = root / "w.duckdb"
    run(root / "data", path, scale="tiny", seed=0)
    truth = json.loads((Path(root / "data") / "truth.json").read_text(encoding="utf-8"))
    wh = Warehouse.open(path, read_only=True)
    yield wh, truth
    wh.close()
