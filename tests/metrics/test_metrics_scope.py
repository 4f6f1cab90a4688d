"""Row-level scopes: deny by default, applied to every entity a metric reads."""

from __future__ import annotations

from typing import Any

import pytest

from chainsight._errors import UserInputError
from chainsight.metrics import Scope, query
from chainsight.warehouse import Warehouse

JUNE: dict[str, Any] = {"start": "2025-06-01", "end": "2025-06-30"}


def test_empty_scope_sees_nothing(wh: Warehouse) -> None:
    for metric in ("net_sales", "inventory_value", "target_attainment", "po_otif"):
        rows = query(wh, metric, scope=Scope(), **JUNE).to_dicts()
        assert rows == [{metric: None}], metric
    assert query(wh, "net_sales", by="province", scope=Scope(), **JUNE).height == 0


def test_scope_is_required(wh: Warehouse) -> None:
    with pytest.raises(TypeError):
        query(wh, "net_sales")  # type: ignore[call-arg]


def test_all_scope_sees_everything(wh: Warehouse) -> None:
    assert query(wh, "net_sales", scope=Scope.all(), **JUNE)["net_sales"][0] == 414.0


def test_province_and_channel_kind_scope_applies_to_every_source(wh: Warehouse) -> None:
    scope = Scope.of(province="浙江省", channel_kind="offline")
    # sell-in to C1 (杭州, DIST) only: online orders are online, C2 is in 江苏, C3 is online
    assert query(wh, "net_sales", scope=scope, **JUNE)["net_sales"][0] == 230.0
    # the ZJ/DIST target only
    assert query(wh, "target_amount", scope=scope, **JUNE)["target_amount"][0] == 1000.0
    # stock: channel_kind is known only for the distributor warehouse DW1 (杭州, C1 -> DIST)
    assert query(wh, "inventory_value", scope=scope, **JUNE)["inventory_value"][0] == 120 + 120


def test_entity_that_cannot_reach_a_scoped_dimension_is_hidden(wh: Warehouse) -> None:
    # purchase orders have no channel: a channel-scoped user sees none of them
    scope = Scope.of(channel="DIST")
    assert query(wh, "purchase_amount", scope=scope, **JUNE).to_dicts() == [{"purchase_amount": None}]


def test_scope_and_where_combine(wh: Warehouse) -> None:
    scope = Scope.of(province=["浙江省", "江苏省"])
    rows = query(
        wh, "net_sales", by="province", where={"channel_kind": "online"}, scope=scope, **JUNE
    ).to_dicts()
    assert rows == [
        {"province": "江苏省", "net_sales": 25.0},
        {"province": "浙江省", "net_sales": 72.0 + 45.0},
    ]


def test_scope_with_an_unknown_dimension_is_a_user_error() -> None:
    with pytest.raises(UserInputError, match="colour"):
        Scope.of(colour="red")


def test_region_is_an_alias_of_province() -> None:
    assert Scope.of(region="浙江省") == Scope.of(province="浙江省")
