"""The canonical model: the 23 entities of the issue (plus customer_orders), validated at import; a bad spec names entity and field."""

from __future__ import annotations

import dataclasses

import pytest

from chainsight import DefinitionError, UserInputError
from chainsight._errors import UnknownEntityError
from chainsight.model import (
    ENTITIES,
    LOAD_ORDER,
    Column,
    ColumnType,
    ForeignKey,
    RowCheck,
    Text,
    get_entity,
    validate_catalog,
)

# The entities and columns the issue names (each entity may have more).
REQUIRED_SHAPE = {
    "regions": "region_id name parent_id level",
    "channels": "channel_id name kind platform",
    "customers": "customer_id name channel_id region_id type",
    "stores": "store_id customer_id region_id format",
    "sites": "site_id name type region_id",
    "lines": "line_id site_id name capacity_per_day",
    "products": "sku name brand category unit units_per_case shelf_life_days list_price",
    "materials": "material_id name type unit shelf_life_days standard_cost",
    "bom": "parent_id component_id qty_per scrap_rate",
    "suppliers": "supplier_id name region_id",
    "supplier_materials": "supplier_id material_id lead_time_days moq unit_price",
    "prices": "channel_id sku valid_from valid_to price floor_price",
    "promotions": "promo_id channel_id sku start_date end_date discount_rate",
    "targets": "month region_id channel_id target_amount",
    # Added beyond the issue's list: ordered vs shipped quantities, for fill rate and OTIF.
    "customer_orders": "order_id line_no order_date requested_date customer_id sku ordered_qty shipped_qty",
    "sell_in": "doc_id line_no date customer_id sku qty gross_amount discount_amount net_amount site_id",
    "sell_out": "date store_id sku qty amount",
    "online_orders": "order_id line_no order_time channel_id shop sku qty paid_amount province city buyer_id status",
    "purchase_orders": "po_id line_no supplier_id material_id qty unit_price order_date promised_date",
    "receipts": "receipt_id po_id line_no material_id lot_id qty received_date mfg_date expiry_date qc_status",
    "production_orders": (
        "order_id site_id line_id sku planned_qty planned_start planned_end actual_qty actual_start actual_end "
        "lot_id status"
    ),
    "material_consumption": "order_id material_id lot_id qty",
    "inventory": "snapshot_date site_id item_id lot_id mfg_date expiry_date qty status",
    "write_offs": "date site_id item_id lot_id qty reason",
}


def test_catalog_has_the_issues_23_entities_plus_customer_orders_with_their_columns():
    assert set(ENTITIES) == set(REQUIRED_SHAPE) == set(LOAD_ORDER)
    assert len(LOAD_ORDER) == 24
    for name, columns in REQUIRED_SHAPE.items():
        missing = set(columns.split()) - set(ENTITIES[name].column_names)
        assert not missing, (name, missing)


@pytest.mark.parametrize(
    ("entity", "column", "allowed"),
    [
        ("regions", "level", {"country", "province", "city"}),
        ("channels", "kind", {"online", "offline"}),
        ("sites", "type", {"plant", "dc", "distributor_wh"}),
        ("materials", "type", {"raw", "packaging", "intermediate"}),
        ("online_orders", "status", {"paid", "refunded"}),
    ],
)
def test_allowed_values_named_in_the_issue(entity, column, allowed):
    assert set(ENTITIES[entity].column(column).allowed or ()) == allowed


def test_every_entity_and_column_is_described_in_both_languages():
    for ent in ENTITIES.values():
        assert ent.label.zh and ent.label.en and ent.description.zh and ent.description.en
        for col in ent.columns:
            assert col.description.zh and col.description.en, (ent.name, col.name)


def test_load_order_puts_referenced_entities_first():
    position = {name: i for i, name in enumerate(LOAD_ORDER)}
    for ent in ENTITIES.values():
        for fk in ent.foreign_keys:
            for target, _ in fk.targets:
                assert position[target] <= position[ent.name], (ent.name, fk.column, target)


def test_returns_allowed_only_where_the_entity_has_them():
    # Negative quantities are returns in sell-in and sell-out; elsewhere a quantity is never negative.
    for name in ("sell_in", "sell_out"):
        assert ENTITIES[name].column("qty").min is None
    for name in (
        "online_orders",
        "purchase_orders",
        "receipts",
        "material_consumption",
        "inventory",
        "write_offs",
    ):
        assert ENTITIES[name].column("qty").min == 0, name
    assert ENTITIES["products"].column("shelf_life_days").min_exclusive


def test_specs_are_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ENTITIES["products"].natural_key = ("name",)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ENTITIES["products"].columns[0].required = False  # type: ignore[misc]


def test_unknown_entity_is_a_user_error_listing_the_known_ones():
    with pytest.raises(UnknownEntityError) as info:
        get_entity("sellin")
    assert isinstance(info.value, UserInputError)
    assert "sellin" in info.value.message("en") and "sell_in" in info.value.message("en")
    assert "未知实体" in info.value.message("zh")


def test_text_needs_both_languages():
    with pytest.raises(DefinitionError):
        Text("产品", "")
    with pytest.raises(DefinitionError):
        Text("", "Products")


def _with(entity: str, **changes):
    return dataclasses.replace(ENTITIES[entity], **changes)


def _col(entity: str, column: str, **changes) -> Column:
    return dataclasses.replace(ENTITIES[entity].column(column), **changes)


def _replace_column(entity: str, name: str, new: Column) -> tuple[Column, ...]:
    return tuple(new if c.name == name else c for c in ENTITIES[entity].columns)


BAD_SPECS = {
    "name not snake_case": ("products", "name", lambda: _with("products", name="Products")),
    "duplicate column": (
        "products",
        "columns",
        lambda: _with("products", columns=(*ENTITIES["products"].columns, ENTITIES["products"].columns[0])),
    ),
    "column not snake_case": (
        "products",
        "List Price",
        lambda: _with(
            "products",
            columns=_replace_column(
                "products", "list_price", _col("products", "list_price", name="List Price")
            ),
        ),
    ),
    "allowed on a number": (
        "products",
        "list_price",
        lambda: _with(
            "products",
            columns=_replace_column("products", "list_price", _col("products", "list_price", allowed=("1",))),
        ),
    ),
    "range on text": (
        "products",
        "brand",
        lambda: _with(
            "products", columns=_replace_column("products", "brand", _col("products", "brand", min=0.0))
        ),
    ),
    "fraction on text": (
        "products",
        "brand",
        lambda: _with(
            "products", columns=_replace_column("products", "brand", _col("products", "brand", fraction=True))
        ),
    ),
    "fraction without a 0-1 range": (
        "promotions",
        "discount_rate",
        lambda: _with(
            "promotions",
            columns=_replace_column(
                "promotions", "discount_rate", _col("promotions", "discount_rate", max=100.0)
            ),
        ),
    ),
    "no natural key": ("products", "natural_key", lambda: _with("products", natural_key=())),
    "key on unknown column": ("products", "natural_key", lambda: _with("products", natural_key=("code",))),
    "key column optional": ("products", "natural_key", lambda: _with("products", natural_key=("barcode",))),
    "foreign key on unknown column": (
        "sell_in",
        "foreign_keys",
        lambda: _with("sell_in", foreign_keys=(ForeignKey("store", (("stores", "store_id"),)),)),
    ),
    "foreign key to unknown entity": (
        "sell_in",
        "foreign_keys",
        lambda: _with("sell_in", foreign_keys=(ForeignKey("sku", (("skus", "sku"),)),)),
    ),
    "foreign key to a non-key column": (
        "sell_in",
        "foreign_keys",
        lambda: _with("sell_in", foreign_keys=(ForeignKey("sku", (("products", "barcode"),)),)),
    ),
    "check with unknown operator": (
        "promotions",
        "checks",
        lambda: _with("promotions", checks=(RowCheck("start_date", "=<", "end_date", "x", Text("甲", "a")),)),
    ),
    "check on unknown column": (
        "promotions",
        "checks",
        lambda: _with("promotions", checks=(RowCheck("start", "<=", "end_date", "x", Text("甲", "a")),)),
    ),
    "unknown date column": ("sell_out", "date_column", lambda: _with("sell_out", date_column="day")),
}


@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_catalog_validation_rejects_a_bad_spec_naming_entity_and_field(case):
    entity, field, build = BAD_SPECS[case]
    bad = build()
    catalog = dict(ENTITIES)
    catalog[entity] = bad

    with pytest.raises(DefinitionError) as info:
        validate_catalog(catalog)

    message_en, message_zh = info.value.message("en"), info.value.message("zh")
    assert bad.name in message_en and field in message_en, message_en
    assert bad.name in message_zh and field in message_zh, message_zh


def test_columns_holding_a_fraction_are_marked():
    # the shares 0–1 of the data model (hand list): ingest reads the mark to tell "30" from "30%"
    marked = {(e.name, c.name) for e in ENTITIES.values() for c in e.columns if c.fraction}
    assert marked == {
        ("channels", "min_remaining_life_pct"),
        ("customers", "min_remaining_life_pct"),
        ("bom", "scrap_rate"),
        ("promotions", "discount_rate"),
    }


def test_the_shipped_catalog_validates():
    validate_catalog(dict(ENTITIES))


def test_column_types_map_to_warehouse_types():
    assert {t: t.sql for t in ColumnType} == {
        ColumnType.STRING: "VARCHAR",
        ColumnType.INTEGER: "BIGINT",
        ColumnType.NUMBER: "DOUBLE",
        ColumnType.DATE: "DATE",
        ColumnType.MONTH: "DATE",
        ColumnType.TIMESTAMP: "TIMESTAMP",
    }
