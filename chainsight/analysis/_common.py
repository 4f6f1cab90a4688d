"""Small shared pieces: the as-of date, item values and names, and running Ibis expressions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir
import polars as pl

from chainsight._errors import UserInputError
from chainsight.warehouse import Warehouse

ITEM_KEYS = ("site_id", "item_id")


def to_date(value: dt.date | str | None) -> dt.date | None:
    """``value`` as a date; a string must be ISO ``YYYY-MM-DD``."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise UserInputError(
            f"日期 “{value}” 无法识别,请用 YYYY-MM-DD", f"cannot read the date '{value}'; use YYYY-MM-DD"
        ) from None


def latest_snapshot(wh: Warehouse, as_of: dt.date | None) -> dt.date:
    """The latest inventory snapshot date on or before ``as_of`` (the latest of all when None)."""
    inv = wh.table("inventory")
    if as_of is not None:
        inv = inv.filter(inv.snapshot_date <= as_of)
    value = wh.to_pyarrow(inv.snapshot_date.max()).as_py()
    if value is None:
        when = f"{as_of} 当日或之前" if as_of else ""
        when_en = f" on or before {as_of}" if as_of else ""
        raise UserInputError(
            f"仓库中没有{when}的库存快照;请先加载 inventory(chainsight load inventory 文件)",
            f"the warehouse has no inventory snapshot{when_en}; load inventory first "
            "(chainsight load inventory FILE)",
        )
    return value.date() if isinstance(value, dt.datetime) else value


def snapshot_rows(wh: Warehouse, as_of: dt.date, site: str | None = None) -> ir.Table:
    """Inventory rows of each site's latest snapshot on or before ``as_of`` (sites may snapshot on different days)."""
    inv = wh.table("inventory")
    inv = inv.filter(inv.snapshot_date <= as_of, inv.qty > 0)
    if site is not None:
        inv = inv.filter(inv.site_id == site)
    last = inv.group_by("site_id").aggregate(_last=inv.snapshot_date.max())
    return inv.join(last, [inv.site_id == last.site_id, inv.snapshot_date == last._last]).drop("_last")


def items(wh: Warehouse) -> ir.Table:
    """Every item (products and materials): item_id, kind, name, shelf_life_days, unit_value, unit."""
    p = wh.table("products")
    m = wh.table("materials")
    products = p.select(
        item_id=p.sku,
        item_kind=ibis.literal("product"),
        item_name=p.name,
        shelf_life_days=p.shelf_life_days.cast("int64"),
        unit_value=p.list_price.cast("float64"),
        unit=p.unit,
    )
    materials = m.select(
        item_id=m.material_id,
        item_kind=m.type,
        item_name=m.name,
        shelf_life_days=m.shelf_life_days.cast("int64"),
        unit_value=m.standard_cost.cast("float64"),
        unit=m.unit,
    )
    return products.union(materials)


def run(wh: Warehouse, expr: ir.Table) -> pl.DataFrame:
    """Execute an Ibis table on the warehouse's engine and return it as Polars."""
    return wh.to_polars(expr)


def require_rows(wh: Warehouse, entity: str, hint_zh: str, hint_en: str) -> None:
    """A clear user error when ``entity`` is empty."""
    if wh.to_pyarrow(wh.table(entity).count()).as_py() == 0:
        raise UserInputError(
            f"仓库中没有 {entity} 数据;{hint_zh}",
            f"the warehouse has no {entity} rows; {hint_en}",
            entity=entity,
        )


def records(df: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts (dates stay dates; the CLI's JSON writer makes them ISO strings)."""
    return df.to_dicts()
