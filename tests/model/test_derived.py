"""Derived tables (forecasts, plans, rollup bookkeeping) are specs: validated at import, made from the
spec, widened when the spec grows; LOAD_ORDER comes from the foreign keys."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pyarrow as pa
import pytest

from chainsight import DefinitionError
from chainsight.model import (
    DERIVED,
    ENTITIES,
    LOAD_ORDER,
    DerivedTable,
    ForeignKey,
    StoredColumn,
    StoredType,
    Text,
    load_order,
    rollup_table,
    validate_derived,
)
from chainsight.warehouse import Warehouse

# The order the catalog was loaded in when it was typed by hand (every key's target first).
HAND_ORDER = (
    "regions",
    "channels",
    "customers",
    "stores",
    "sites",
    "lines",
    "products",
    "materials",
    "bom",
    "suppliers",
    "supplier_materials",
    "prices",
    "promotions",
    "targets",
    "customer_orders",
    "sell_in",
    "sell_out",
    "online_orders",
    "purchase_orders",
    "receipts",
    "production_orders",
    "material_consumption",
    "inventory",
    "write_offs",
)


def test_load_order_from_the_keys_is_the_hand_order_and_puts_every_target_first() -> None:
    assert LOAD_ORDER == HAND_ORDER
    position = {name: i for i, name in enumerate(LOAD_ORDER)}
    for ent in ENTITIES.values():
        for fk in ent.foreign_keys:
            for target, _ in fk.targets:
                if target != ent.name:
                    assert position[target] < position[ent.name], (ent.name, fk.column, target)


def test_load_order_follows_the_keys_not_the_declaration() -> None:
    # declared in reverse, the order still loads every target first, the same way each time
    backwards = dict(reversed(list(ENTITIES.items())))
    order = load_order(backwards)
    assert order == load_order(backwards)
    position = {name: i for i, name in enumerate(order)}
    assert position["channels"] < position["customers"] < position["sites"] < position["lines"]
    assert position["production_orders"] < position["material_consumption"]
    assert position["products"] < position["bom"] and position["materials"] < position["bom"]


def test_a_circle_of_foreign_keys_is_a_definition_error_naming_it() -> None:
    circle = dict(ENTITIES)
    circle["channels"] = dataclasses.replace(
        ENTITIES["channels"],
        foreign_keys=(ForeignKey("platform", (("customers", "customer_id"),)),),
    )
    with pytest.raises(DefinitionError) as info:
        load_order(circle)
    en = info.value.message("en")
    assert "channels → customers → channels" in en or "customers → channels → customers" in en, en
    assert "循环" in info.value.message("zh")


def test_every_derived_table_is_described_in_both_languages_with_a_writer() -> None:
    assert set(DERIVED) == {
        "forecasts",
        "forecast_history",
        "forecast_runs",
        "planned_orders",
        "plan_exceptions",
        "plan_capacity",
        "plan_runs",
        "_cs_rollups",
    }
    for t in DERIVED.values():
        assert t.label.zh and t.label.en and t.description.zh and t.description.en
        assert t.writer.startswith("chainsight.")
        for c in t.columns:
            assert c.description.zh and c.description.en, (t.name, c.name)
    assert not set(DERIVED) & set(ENTITIES)


def test_derived_types_map_to_warehouse_types() -> None:
    assert {t.value: t.sql for t in StoredType} == {
        "string": "VARCHAR",
        "integer": "BIGINT",
        "number": "DOUBLE",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
        "boolean": "BOOLEAN",
        "json": "JSON",
        "string_list": "VARCHAR[]",
    }


def _bad(**changes: object) -> DerivedTable:
    return dataclasses.replace(DERIVED["plan_capacity"], **changes)  # type: ignore[arg-type]


_COL = StoredColumn("x", StoredType.STRING, Text("甲", "a"))
BAD_DERIVED = {
    "name not snake_case": ("PlanCapacity", "name", lambda: _bad(name="PlanCapacity")),
    "duplicate column": (
        "plan_capacity",
        "columns",
        lambda: _bad(columns=(*DERIVED["plan_capacity"].columns, DERIVED["plan_capacity"].columns[0])),
    ),
    "column not snake_case": (
        "plan_capacity",
        "Load Days",
        lambda: _bad(
            columns=(*DERIVED["plan_capacity"].columns, dataclasses.replace(_COL, name="Load Days"))
        ),
    ),
    "no key": ("plan_capacity", "key", lambda: _bad(key=())),
    "key on unknown column": ("plan_capacity", "key", lambda: _bad(key=("as_of", "line"))),
    "replaces an unknown column": ("plan_capacity", "replaces", lambda: _bad(replaces=("asof",))),
    "date column unknown": ("plan_capacity", "date_column", lambda: _bad(date_column="day")),
    "date column not a date": ("plan_capacity", "date_column", lambda: _bad(date_column="line_id")),
    "no writer": ("plan_capacity", "writer", lambda: _bad(writer="the planner")),
}


@pytest.mark.parametrize("case", sorted(BAD_DERIVED))
def test_a_bad_derived_spec_fails_naming_table_and_field(case: str) -> None:
    table, field, build = BAD_DERIVED[case]
    bad = build()
    tables = {**{k: v for k, v in DERIVED.items() if k != "plan_capacity"}, bad.name: bad}
    with pytest.raises(DefinitionError) as info:
        validate_derived(tables, ENTITIES)
    for lang in ("en", "zh"):
        text = info.value.message(lang)
        assert table in text and field in text, text


def test_a_derived_table_may_not_take_an_entitys_name() -> None:
    clash = dataclasses.replace(DERIVED["plan_runs"], name="inventory")
    with pytest.raises(DefinitionError, match="inventory"):
        validate_derived({"inventory": clash}, ENTITIES)


def _columns(wh: Warehouse, table: str) -> dict[str, str]:
    return dict(
        wh.duckdb.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
            "ORDER BY ordinal_position",
            [table],
        ).fetchall()
    )


def test_the_spec_describes_every_rollup_table_the_metrics_build() -> None:
    from chainsight.metrics import ROLLUPS, refresh_rollups

    wh = Warehouse.open(":memory:")
    refresh_rollups(wh)
    for r in ROLLUPS:
        spec = rollup_table(r.table, ENTITIES[r.entity], r.date_column, r.keys, r.sums)
        assert _columns(wh, r.table) == {c.name: c.type.sql for c in spec.columns}, r.table
    assert _columns(wh, "_cs_rollups") == {c.name: c.type.sql for c in DERIVED["_cs_rollups"].columns}


def test_derived_tables_are_made_from_the_spec(tmp_path) -> None:
    wh = Warehouse.open(tmp_path / "w.duckdb")
    for t in DERIVED.values():
        if t.name != "_cs_rollups":  # the rollup register is made by refresh_rollups
            wh.ensure_table(t)
            assert _columns(wh, t.name) == {c.name: c.type.sql for c in t.columns}, t.name
    wh.close()


def test_a_column_the_spec_gains_is_added_when_an_older_warehouse_opens(tmp_path, monkeypatch) -> None:
    path = tmp_path / "old.duckdb"
    runs = DERIVED["plan_runs"]
    with Warehouse.open(path) as wh:
        wh.ensure_table(runs)
        wh.replace_rows("plan_runs", pa.table({"version": ["v1"], "as_of": [dt.date(2026, 3, 31)]}))
    grown = dataclasses.replace(
        runs, columns=(*runs.columns, StoredColumn("planner", StoredType.STRING, Text("计划员", "Planner")))
    )
    monkeypatch.setitem(DERIVED, "plan_runs", grown)
    # read-only, the older table cannot change: the new column reads as empty
    with Warehouse.open(path, read_only=True) as wh:
        assert wh.table("plan_runs").select("version", "planner").execute().values.tolist() == [["v1", None]]
    with Warehouse.open(path) as wh:
        assert list(_columns(wh, "plan_runs")) == [c.name for c in grown.columns]
        assert wh.table("plan_runs").planner.isnull().all().execute()


def test_replace_rows_by_filter_and_by_key(tmp_path) -> None:
    wh = Warehouse.open(tmp_path / "w.duckdb")
    fc = DERIVED["forecasts"]
    wh.ensure_table(fc)
    d1, d2 = dt.date(2026, 4, 6), dt.date(2026, 4, 13)

    def rows(qty: float, *periods: dt.date, channel: str | None = None) -> pa.Table:
        n = len(periods)
        return pa.table(
            {
                "period": list(periods),
                "sku": ["A"] * n,
                "channel_id": pa.array([channel] * n, pa.string()),
                "forecast_qty": [qty] * n,
            }
        )

    wh.replace_rows("forecasts", rows(1.0, d1, d2), key=fc.key)
    wh.replace_rows("forecasts", rows(2.0, d2), key=fc.key)  # the key (with its empty channel) matches
    wh.replace_rows("forecasts", rows(3.0, d2, channel="tmall"), key=fc.key)  # another key
    got = wh.duckdb.execute(
        "SELECT period, channel_id, forecast_qty FROM forecasts ORDER BY period, channel_id NULLS FIRST"
    ).fetchall()
    assert got == [(d1, None, 1.0), (d2, None, 2.0), (d2, "tmall", 3.0)]
    wh.replace_rows("forecasts", rows(9.0)[:0], where={"period": d2})  # nothing new: the rows just go
    assert wh.duckdb.execute("SELECT period, forecast_qty FROM forecasts").fetchall() == [(d1, 1.0)]
    wh.close()
