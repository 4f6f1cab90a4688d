"""Fixtures for the metrics tests: the hand-checkable company of metrics_fixture.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from metrics_fixture import build_fixture

from chainsight.warehouse import Warehouse


@pytest.fixture(scope="session")
def wh() -> Iterator[Warehouse]:
    warehouse = build_fixture()
    yield warehouse
    warehouse.close()
