"""How each entity reaches the dimensions and attributes metrics use, through the model's keys.

Every entity a metric can aggregate has a :class:`View`: its base table, the lookups
(left joins on natural keys) it may need, and named fields — dimensions such as
``province`` or ``channel_kind`` and attributes such as ``list_price`` — written in
the expression language over base columns and ``lookup__column`` names.

Only the lookups a query actually needs are joined, so ``net_sales`` by month reads
the fact tables alone.

Region of a sell-in row comes from its customer; of an online order from its ship-to
``province``/``city`` names matched to ``regions.name``; of stock from its site.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir

from chainsight.metrics._expr import compile_expr, names, parse
from chainsight.model import DERIVED, ENTITIES, ColumnType, DerivedTable, Text

Tables = Callable[[str], ir.Table]

# ---------------------------------------------------------------- dimensions
DIMENSIONS: dict[str, Text] = {
    "province": Text("省份", "Province"),
    "city": Text("城市", "City"),
    "channel": Text("渠道", "Channel"),
    "channel_kind": Text("线上/线下", "Online / offline"),
    "platform": Text("电商平台", "Platform"),
    "customer": Text("客户", "Customer"),
    "customer_type": Text("客户类型", "Customer type"),
    "store": Text("门店", "Store"),
    "store_format": Text("门店业态", "Store format"),
    "sku": Text("SKU", "SKU"),
    "brand": Text("品牌", "Brand"),
    "category": Text("品类", "Category"),
    "site": Text("地点", "Site"),
    "site_type": Text("地点类型", "Site type"),
    "supplier": Text("供应商", "Supplier"),
    "material": Text("物料", "Material"),
    "material_type": Text("物料类型", "Material type"),
    "line": Text("产线", "Production line"),
}
# Accepted spellings for a dimension (the examples say "region").
DIMENSION_ALIASES: dict[str, str] = {"region": "province"}

# ---------------------------------------------------------------- tables the product writes
# Forecast-accuracy metrics read the forecasts table, which planning writes (declared once, in
# chainsight.model.DERIVED); until a warehouse has it, those metrics answer with a clear error.
PENDING_ENTITIES: dict[str, DerivedTable] = {"forecasts": DERIVED["forecasts"]}

# ---------------------------------------------------------------- derived tables
# One row per purchase-order line with what was received against it.
PO_DELIVERY_COLUMNS: dict[str, str] = {
    "received_qty": "float64",  # received and not rejected by QC
    "on_time_qty": "float64",  # of which received by the promised date
    "receipt_count": "int64",
    "first_received_date": "date",
    "last_received_date": "date",
}


def _po_deliveries(tables: Tables) -> ir.Table:
    po, rc = tables("purchase_orders"), tables("receipts")
    pk = po.select(k_po=po.po_id, k_line=po.line_no, k_promised=po.promised_date)
    j = rc.join(pk, [rc.po_id == pk.k_po, rc.line_no == pk.k_line])
    ok = j.qc_status != "failed"
    agg = j.group_by(a_po=j.po_id, a_line=j.line_no).aggregate(
        received_qty=ibis.ifelse(ok, j.qty, 0).sum().cast("float64"),
        on_time_qty=ibis.ifelse(ok & (j.received_date <= j.k_promised), j.qty, 0).sum().cast("float64"),
        receipt_count=j.count(),
        first_received_date=j.received_date.min(),
        last_received_date=j.received_date.max(),
    )
    out = po.left_join(agg, [po.po_id == agg.a_po, po.line_no == agg.a_line])
    return out.select(
        *po.columns,
        received_qty=out.received_qty.fill_null(0.0),
        on_time_qty=out.on_time_qty.fill_null(0.0),
        receipt_count=out.receipt_count.fill_null(0),
        first_received_date=out.first_received_date,
        last_received_date=out.last_received_date,
    )


def _region_flat(tables: Tables) -> ir.Table:
    """region_id -> province name and city name, whatever level the region is at."""
    r = tables("regions")
    p = r.select(p_id=r.region_id, p_name=r.name)
    j = r.left_join(p, r.parent_id == p.p_id)
    return j.select(
        region_id=j.region_id,
        province=ibis.cases(
            (j.level == "province", j.name), (j.level == "city", j.p_name), else_=ibis.null("string")
        ),
        city=ibis.cases((j.level == "city", j.name), else_=ibis.null("string")),
    )


def _province_names(tables: Tables) -> ir.Table:
    r = tables("regions")
    return r.filter(r.level == "province").select(name=r.name).distinct()


def _city_names(tables: Tables) -> ir.Table:
    """Distinct (city, province) name pairs: a city name is matched within its province."""
    r = tables("regions")
    p = r.select(p_id=r.region_id, p_name=r.name)
    j = r.filter(r.level == "city").join(p, r.parent_id == p.p_id)
    return j.select(city=j.name, province=j.p_name).distinct()


DERIVED_TABLES: dict[str, Callable[[Tables], ir.Table]] = {
    "po_deliveries": _po_deliveries,
    "region_flat": _region_flat,
    "province_names": _province_names,
    "city_names": _city_names,
}


# ---------------------------------------------------------------- views
@dataclass(frozen=True, slots=True)
class Lookup:
    """A left join on a key: ``view[left] == table[right]`` for each pair in ``on``."""

    name: str
    table: str
    on: tuple[tuple[str, str], ...]
    columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class View:
    entity: str
    base_columns: tuple[str, ...]
    date: str | None  # expression placing a row in time; None: the entity has no dates
    lookups: tuple[Lookup, ...]
    fields: Mapping[str, str]
    _parsed: dict[str, ast.expr] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name, text in self.fields.items():
            self._parsed[name] = parse(text)

    @property
    def names(self) -> frozenset[str]:
        """Every name a measure, filter or date of this entity may use."""
        return frozenset(self.base_columns) | frozenset(self.fields)

    def base(self, tables: Tables) -> ir.Table:
        """The entity's own table, before any lookup."""
        return (
            tables(self.entity) if self.entity not in DERIVED_TABLES else DERIVED_TABLES[self.entity](tables)
        )

    def on_base_columns(self, node: ast.expr) -> bool:
        """True when an expression reads only the entity's own columns (no lookup needed)."""
        return all(
            n in self.base_columns and (n not in self.fields or self.fields[n] == n) for n in names(node)
        )

    @property
    def dimensions(self) -> frozenset[str]:
        return frozenset(self.fields) & frozenset(DIMENSIONS)

    def build(
        self, tables: Tables, needed: set[str], pre: Callable[[ir.Table], ir.Table] | None = None
    ) -> tuple[ir.Table, Callable[[str], ir.Value]]:
        """The base table with just the lookups ``needed`` names require, and a name resolver.

        ``pre`` filters the base table before any lookup is joined (the date window).
        """
        lookups = {lk.name: lk for lk in self.lookups}
        want: set[str] = set()

        def need_refs(refs: list[str]) -> None:
            for ref in refs:
                if "__" in ref:
                    lk_name = ref.split("__", 1)[0]
                    if lk_name not in want:
                        want.add(lk_name)
                        need_refs([left for left, _ in lookups[lk_name].on])

        for name in needed:
            need_refs(names(self._parsed[name]) if name in self.fields else [name])
        t = self.base(tables)
        if pre is not None:
            t = pre(t)
        for lk in self.lookups:
            if lk.name not in want:
                continue
            src = tables(lk.table) if lk.table not in DERIVED_TABLES else DERIVED_TABLES[lk.table](tables)
            cols = dict.fromkeys([r for _, r in lk.on] + list(lk.columns))
            right = src.select(**{f"{lk.name}__{c}": src[c] for c in cols})
            t = t.left_join(right, [t[left] == right[f"{lk.name}__{r}"] for left, r in lk.on])

        joined = t

        def column(name: str) -> ir.Value:
            return joined[name]

        def resolve(name: str) -> ir.Value:
            if name in self.fields:
                return compile_expr(self._parsed[name], column, _no_bands)
            return joined[name]

        return joined, resolve


def _no_bands(_: ir.Value) -> ir.Value:  # pragma: no cover - fields never use near_expiry_days
    raise AssertionError("fields cannot use near_expiry_days")


def _lk(name: str, table: str, on: str | tuple[tuple[str, str], ...], *columns: str) -> Lookup:
    pairs = on if isinstance(on, tuple) else ((on, _key(table)),)
    return Lookup(name, table, pairs, columns)


def _key(table: str) -> str:
    return {"region_flat": "region_id", "province_names": "name"}.get(table) or ENTITIES[table].natural_key[0]


PRODUCT = _lk("product", "products", "sku", "sku", "brand", "category", "list_price", "shelf_life_days")
PRODUCT_FIELDS = {
    "sku": "sku",
    "brand": "product__brand",
    "category": "product__category",
    "list_price": "product__list_price",
    "shelf_life_days": "product__shelf_life_days",
}
CHANNEL_FIELDS = {"channel_kind": "channel__kind", "platform": "channel__platform"}
REGION_FIELDS = {"province": "region__province", "city": "region__city"}


def _channel(on: str) -> Lookup:
    return _lk("channel", "channels", on, "kind", "platform")


def _region(on: str) -> Lookup:
    return _lk("region", "region_flat", on, "province", "city")


def _site(on: str) -> Lookup:
    return _lk("site", "sites", on, "type", "region_id", "customer_id")


def _material(on: str) -> Lookup:
    return _lk("material", "materials", on, "material_id", "type", "standard_cost", "shelf_life_days")


def _stock_view(entity: str, date: str) -> View:
    """Inventory snapshots and write-offs: an item is a product SKU or a material."""
    return View(
        entity,
        ENTITIES[entity].column_names,
        date,
        (
            _site("site_id"),
            _region("site__region_id"),
            _lk("customer", "customers", "site__customer_id", "channel_id", "type"),
            _channel("customer__channel_id"),
            _lk(
                "product",
                "products",
                (("item_id", "sku"),),
                "sku",
                "brand",
                "category",
                "list_price",
                "shelf_life_days",
            ),
            _material("item_id"),
        ),
        {
            **REGION_FIELDS,
            "site": "site_id",
            "site_type": "site__type",
            "customer": "site__customer_id",
            "customer_type": "customer__type",
            "channel": "customer__channel_id",
            **CHANNEL_FIELDS,
            "sku": "item_id if product__sku is not None else None",
            "brand": "product__brand",
            "category": "product__category",
            "material": "item_id if product__sku is None and material__material_id is not None else None",
            "material_type": "material__type",
            "is_product": "product__sku is not None",
            "is_material": "product__sku is None and material__material_id is not None",
            # one unit value for any item: list price of a SKU, standard cost of a material
            "unit_value": "coalesce(product__list_price, material__standard_cost)",
            "shelf_life_days": "coalesce(product__shelf_life_days, material__shelf_life_days)",
        },
    )


def _customer_view(entity: str, date: str, extra_lookups: tuple[Lookup, ...] = (), **extra: str) -> View:
    cols = ENTITIES[entity].column_names if entity in ENTITIES else PENDING_ENTITIES[entity].column_names
    return View(
        entity,
        cols,
        date,
        (
            _lk("customer", "customers", "customer_id", "channel_id", "region_id", "type"),
            _channel("customer__channel_id"),
            _region("customer__region_id"),
            PRODUCT,
            *extra_lookups,
        ),
        {
            **REGION_FIELDS,
            "channel": "customer__channel_id",
            **CHANNEL_FIELDS,
            "customer": "customer_id",
            "customer_type": "customer__type",
            **PRODUCT_FIELDS,
            **extra,
        },
    )


_PO_FIELDS = {
    **REGION_FIELDS,
    "supplier": "supplier_id",
    "material": "material_id",
    "material_type": "material__type",
    "standard_cost": "material__standard_cost",
    "site": "site_id",
    "site_type": "site__type",
}
_PO_LOOKUPS = (_material("material_id"), _site("site_id"), _region("site__region_id"))

VIEWS: dict[str, View] = {
    "sell_in": _customer_view("sell_in", "date", (_site("site_id"),), site="site_id", site_type="site__type"),
    "online_orders": View(
        "online_orders",
        ENTITIES["online_orders"].column_names,
        "date(order_time)",
        (
            _channel("channel_id"),
            _lk("province_match", "province_names", (("province", "name"),), "name"),
            _lk("city_match", "city_names", (("city", "city"), ("province", "province")), "city"),
            PRODUCT,
        ),
        {
            "province": "province_match__name",
            "city": "city_match__city",
            "channel": "channel_id",
            **CHANNEL_FIELDS,
            **PRODUCT_FIELDS,
        },
    ),
    "sell_out": View(
        "sell_out",
        ENTITIES["sell_out"].column_names,
        "date",
        (
            _lk("store", "stores", "store_id", "customer_id", "region_id", "format"),
            _lk("customer", "customers", "store__customer_id", "channel_id", "type"),
            _channel("customer__channel_id"),
            _region("store__region_id"),
            PRODUCT,
        ),
        {
            **REGION_FIELDS,
            "channel": "customer__channel_id",
            **CHANNEL_FIELDS,
            "customer": "store__customer_id",
            "customer_type": "customer__type",
            "store": "store_id",
            "store_format": "store__format",
            **PRODUCT_FIELDS,
        },
    ),
    "targets": View(
        "targets",
        ENTITIES["targets"].column_names,
        "month",
        (_channel("channel_id"), _region("region_id")),
        {**REGION_FIELDS, "channel": "channel_id", **CHANNEL_FIELDS},
    ),
    "inventory": _stock_view("inventory", "snapshot_date"),
    "write_offs": _stock_view("write_offs", "date"),
    "purchase_orders": View(
        "purchase_orders", ENTITIES["purchase_orders"].column_names, "order_date", _PO_LOOKUPS, _PO_FIELDS
    ),
    "po_deliveries": View(
        "po_deliveries",
        ENTITIES["purchase_orders"].column_names + tuple(PO_DELIVERY_COLUMNS),
        "promised_date",
        _PO_LOOKUPS,
        _PO_FIELDS,
    ),
    "receipts": View(
        "receipts",
        ENTITIES["receipts"].column_names,
        "received_date",
        (
            _lk(
                "po",
                "purchase_orders",
                (("po_id", "po_id"), ("line_no", "line_no")),
                "supplier_id",
                "order_date",
                "promised_date",
                "unit_price",
                "site_id",
            ),
            _material("material_id"),
            _site("site_id"),
            _region("site__region_id"),
        ),
        {
            **REGION_FIELDS,
            "supplier": "po__supplier_id",
            "material": "material_id",
            "material_type": "material__type",
            "standard_cost": "material__standard_cost",
            "site": "site_id",
            "site_type": "site__type",
            "order_date": "po__order_date",
            "promised_date": "po__promised_date",
            "po_unit_price": "po__unit_price",
        },
    ),
    "production_orders": View(
        "production_orders",
        ENTITIES["production_orders"].column_names,
        "planned_start",
        (
            _site("site_id"),
            _region("site__region_id"),
            _lk("line", "lines", "line_id", "capacity_per_day"),
            PRODUCT,
        ),
        {
            **REGION_FIELDS,
            "site": "site_id",
            "site_type": "site__type",
            "line": "line_id",
            "capacity_per_day": "line__capacity_per_day",
            **PRODUCT_FIELDS,
        },
    ),
    "material_consumption": View(
        "material_consumption",
        ENTITIES["material_consumption"].column_names,
        "coalesce(order__actual_end, order__planned_end)",
        (
            _lk(
                "order",
                "production_orders",
                "order_id",
                "site_id",
                "line_id",
                "sku",
                "actual_end",
                "planned_end",
                "status",
            ),
            _material("material_id"),
            _site("order__site_id"),
            _region("site__region_id"),
        ),
        {
            **REGION_FIELDS,
            "site": "order__site_id",
            "site_type": "site__type",
            "line": "order__line_id",
            "sku": "order__sku",
            "material": "material_id",
            "material_type": "material__type",
            "standard_cost": "material__standard_cost",
            "order_status": "order__status",
        },
    ),
    "lines": View(
        "lines",
        ENTITIES["lines"].column_names,
        None,
        (_site("site_id"), _region("site__region_id")),
        {**REGION_FIELDS, "line": "line_id", "site": "site_id", "site_type": "site__type"},
    ),
    "forecasts": View(
        "forecasts",
        PENDING_ENTITIES["forecasts"].column_names,
        "period",
        (_channel("channel_id"), _region("region_id"), PRODUCT),
        {**REGION_FIELDS, "channel": "channel_id", **CHANNEL_FIELDS, **PRODUCT_FIELDS},
    ),
    "customer_orders": _customer_view("customer_orders", "requested_date"),
}


def table_schema(entity: str) -> dict[str, str]:
    """Ibis schema of a canonical entity or a table the product writes (for compiling SQL without a
    warehouse)."""
    if entity not in ENTITIES:
        return PENDING_ENTITIES[entity].ibis_schema()
    spec = ENTITIES[entity]
    types = {
        ColumnType.STRING: "string",
        ColumnType.INTEGER: "int64",
        ColumnType.NUMBER: "float64",
        ColumnType.DATE: "date",
        ColumnType.MONTH: "date",
        ColumnType.TIMESTAMP: "timestamp",
    }
    return {c.name: types[c.type] for c in spec.columns}


def unbound_tables(entity: str) -> ir.Table:
    """An unbound Ibis table for ``entity``: compile-only, no warehouse needed."""
    return ibis.table(table_schema(entity), name=entity)
