"""Fixtures for the daily pipeline: the tiny demo's export files (generated once) and a webhook server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pipeline_helpers import Hook


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny demo company's export files (seed 0), generated once."""
    from chainsight.demo import generate

    out = tmp_path_factory.mktemp("pipeline_demo") / "tiny"
    generate(out, scale="tiny", seed=0)
    return out


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.close()
