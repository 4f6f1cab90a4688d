"""A tiny demo company generated and loaded once per session for the channel tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from channels_demo import build_demo

from chainsight.warehouse import Warehouse


@pytest.fixture(scope="session")
def tiny_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """(warehouse path, planted signals) of the tiny demo, seed 0."""
    return build_demo(tmp_path_factory.mktemp("channels_demo"), seed=0)


@pytest.fixture
def demo_wh(tiny_demo: tuple[Path, dict[str, Any]]) -> Iterator[Warehouse]:
    """The tiny demo warehouse, read-only."""
    wh = Warehouse.open(tiny_demo[0], read_only=True)
    yield wh
    wh.close()
