"""Tables Chainsight writes itself (forecasts, plans, rollup bookkeeping), declared once like the entities.

A :class:`DerivedTable` is data: its columns (typed, described in both languages), the key that
identifies a row, which function writes it, and what one write replaces. The warehouse creates
each table from its spec (``Warehouse.ensure_table``) and adds a column the spec gained to an
existing warehouse when it opens, so growing a table is one line here. The registry
:data:`DERIVED` is validated at import, like the entity catalog: a typo fails with table and
field named.

>>> DERIVED["forecasts"].key
('period', 'sku', 'channel_id', 'region_id')
>>> DERIVED["plan_runs"].column("kpis").type.sql
'JSON'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from chainsight._errors import DefinitionError
from chainsight.model._entities import ENTITIES
from chainsight.model._spec import ColumnType, Entity, Text

_TABLE = re.compile(r"^(_cs_)?[a-z][a-z0-9_]*$")  # bookkeeping tables carry the _cs_ prefix
_COLUMN = re.compile(r"^_?[a-z][a-z0-9_]*$")  # bookkeeping columns (``_rows``) one underscore
_WRITER = re.compile(r"^chainsight(\.[a-z_][a-z0-9_]*)+$")


class StoredType(StrEnum):
    """Types of derived-table columns: the entities' types plus what planning stores."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    DATE = "date"
    TIMESTAMP = "timestamp"
    BOOLEAN = "boolean"
    JSON = "json"
    STRING_LIST = "string_list"

    @property
    def sql(self) -> str:
        """The DuckDB type."""
        return _SQL[self]

    @property
    def ibis(self) -> str:
        """The Ibis type (for schemas of tables not yet in a warehouse)."""
        return _IBIS[self]

    @classmethod
    def of(cls, column_type: ColumnType) -> StoredType:
        """The stored type of an entity column (a month is stored as its first day)."""
        return cls.DATE if column_type is ColumnType.MONTH else cls(column_type.value)


_SQL = {
    StoredType.STRING: "VARCHAR",
    StoredType.INTEGER: "BIGINT",
    StoredType.NUMBER: "DOUBLE",
    StoredType.DATE: "DATE",
    StoredType.TIMESTAMP: "TIMESTAMP",
    StoredType.BOOLEAN: "BOOLEAN",
    StoredType.JSON: "JSON",
    StoredType.STRING_LIST: "VARCHAR[]",
}
_IBIS = {
    StoredType.STRING: "string",
    StoredType.INTEGER: "int64",
    StoredType.NUMBER: "float64",
    StoredType.DATE: "date",
    StoredType.TIMESTAMP: "timestamp",
    StoredType.BOOLEAN: "boolean",
    StoredType.JSON: "json",
    StoredType.STRING_LIST: "array<string>",
}


@dataclass(frozen=True, slots=True)
class StoredColumn:
    """A column of a derived table. ``required``: the writer never leaves it empty."""

    name: str
    type: StoredType
    description: Text
    required: bool = False


@dataclass(frozen=True, slots=True)
class DerivedTable:
    """A table the product writes: columns, row key, writer, and what one write replaces.

    ``replaces`` names the columns whose values a write owns: the rows already stored with the
    same values are replaced by the new ones (``("as_of",)``: one plan per as-of date; the key:
    latest row per key). Empty: rows are only appended (history, run logs).
    """

    name: str
    label: Text
    description: Text
    columns: tuple[StoredColumn, ...]
    key: tuple[str, ...]
    writer: str  # the public function that writes it, e.g. "chainsight.planning.forecast"
    replaces: tuple[str, ...] = ()
    date_column: str | None = None
    _by_name: dict[str, StoredColumn] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({c.name: c for c in self.columns})

    def column(self, name: str) -> StoredColumn:
        try:
            return self._by_name[name]
        except KeyError:
            raise DefinitionError(
                f"表 {self.name} 没有列 {name}", f"table {self.name} has no column {name}", table=self.name
            ) from None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def ibis_schema(self) -> dict[str, str]:
        """Column name → Ibis type, in column order.

        >>> DERIVED["plan_capacity"].ibis_schema()["week"]
        'date'
        """
        return {c.name: c.type.ibis for c in self.columns}


def rollup_table(
    name: str,
    entity: Entity,
    date_column: str,
    keys: Sequence[str],
    sums: Sequence[str],
    *,
    rows_column: str = "_rows",
    writer: str = "chainsight.metrics.refresh_rollups",
) -> DerivedTable:
    """The spec of a rollup of ``entity``: its date, kept and summed columns (their types and
    descriptions are the entity's) and a count of the rows each one stands for.

    >>> from chainsight.model import ENTITIES
    >>> t = rollup_table("_cs_rollup_sell_in_month", ENTITIES["sell_in"], "date", ["sku"], ["qty"])
    >>> t.column_names, t.key
    (('date', 'sku', 'qty', '_rows'), ('date', 'sku'))
    """
    cols = [
        StoredColumn(c.name, StoredType.of(c.type), c.description, c.required)
        for c in (entity.column(n) for n in (date_column, *keys, *sums))
    ]
    cols.append(
        StoredColumn(
            rows_column,
            StoredType.INTEGER,
            Text(f"汇总的 {entity.name} 行数", f"rows of {entity.name} this row stands for"),
            required=True,
        )
    )
    table = DerivedTable(
        name,
        Text(f"{entity.label.zh}汇总", f"{entity.label.en} rollup"),
        Text(
            f"{entity.label.zh}按 {date_column} 与 {', '.join(keys)} 汇总的预聚合副本",
            f"{entity.label.en} pre-aggregated by {date_column} and {', '.join(keys)}",
        ),
        tuple(cols),
        (date_column, *keys),
        writer,
        date_column=date_column,
    )
    validate_derived({name: table})
    return table


def validate_derived(
    tables: Mapping[str, DerivedTable], entities: Mapping[str, Entity] | None = None
) -> None:
    """Check every derived-table spec; raise :class:`DefinitionError` naming the table and field."""

    def fail(table: str, fieldname: str, zh: str, en: str) -> None:
        raise DefinitionError(
            f"派生表 {table} 字段 {fieldname}: {zh}",
            f"derived table {table}, field {fieldname}: {en}",
            table=table,
        )

    for key, t in tables.items():
        if key != t.name or not _TABLE.match(t.name):
            fail(
                t.name,
                "name",
                "名称必须是 snake_case(记账表以 _cs_ 开头)且与注册名一致",
                "name must be snake_case (bookkeeping tables start with _cs_) and match its key",
            )
        if entities is not None and t.name in entities:
            fail(t.name, "name", "与标准实体重名", "the name of a canonical entity")
        names = [c.name for c in t.columns]
        if not names:
            fail(t.name, "columns", "至少需要一列", "needs at least one column")
        if len(set(names)) != len(names):
            fail(t.name, "columns", "列名重复", "duplicate column names")
        for c in t.columns:
            if not _COLUMN.match(c.name):
                fail(t.name, c.name, "列名必须是 snake_case", "column name must be snake_case")
            if not isinstance(c.type, StoredType):
                fail(t.name, c.name, f"未知类型 {c.type!r}", f"unknown type {c.type!r}")
        if not t.key:
            fail(t.name, "key", "必须有行键", "a row key is required")
        for group, cols in (("key", t.key), ("replaces", t.replaces)):
            for k in cols:
                if k not in names:
                    fail(t.name, group, f"未知列 {k}", f"unknown column {k}")
        if t.date_column is not None:
            if t.date_column not in names:
                fail(t.name, "date_column", f"未知列 {t.date_column}", f"unknown column {t.date_column}")
            elif t.column(t.date_column).type not in (StoredType.DATE, StoredType.TIMESTAMP):
                fail(t.name, "date_column", "必须是日期或时间列", "must be a date or timestamp column")
        if not _WRITER.match(t.writer):
            fail(
                t.name,
                "writer",
                "须写明写入它的函数,如 chainsight.planning.forecast",
                "must name the function that writes it, e.g. chainsight.planning.forecast",
            )


# ---------------------------------------------------------------------- the tables
S, INT, N, D, TS = (
    StoredType.STRING,
    StoredType.INTEGER,
    StoredType.NUMBER,
    StoredType.DATE,
    StoredType.TIMESTAMP,
)


def _c(name: str, type_: StoredType, zh: str, en: str, *, required: bool = False) -> StoredColumn:
    return StoredColumn(name, type_, Text(zh, en), required)


def _version(zh: str, en: str) -> StoredColumn:
    return _c("version", S, zh, en, required=True)


def _as_of(zh: str, en: str) -> StoredColumn:
    return _c("as_of", D, zh, en, required=True)


_FORECAST_COLUMNS = (
    _c(
        "period",
        D,
        "预测期间的第一天(周一或月初)",
        "First day of the forecast period (a Monday, or the 1st of the month)",
        required=True,
    ),
    _c("sku", S, "产品编码(SKU)", "Product code (SKU)", required=True),
    _c("channel_id", S, "渠道编码(按渠道预测时)", "Channel code (when forecast per channel)"),
    _c("region_id", S, "区域编码(按区域预测时)", "Region code (when forecast per region)"),
    _c("forecast_qty", N, "预测数量", "Forecast quantity", required=True),
    _c(
        "actual_qty",
        N,
        "实际数量:期间结束后补齐(没有销量为 0)",
        "Actual quantity, filled in once the period is complete (0 when nothing sold)",
    ),
    _c("model", S, "给出该预测的模型", "Model that produced the forecast", required=True),
    _c(
        "level", S, "预测层级,如 sku 或 sku,channel", "Forecast level, e.g. sku or sku,channel", required=True
    ),
    _c("bucket", S, "时间粒度:week 或 month", "Time bucket: week or month", required=True),
    _version("预测版本(forecast_runs.version)", "Forecast run (forecast_runs.version)"),
    _as_of("截至日期:所用需求历史的最后一天", "As-of date: the last day of demand history used"),
)
_FORECAST_KEY = ("period", "sku", "channel_id", "region_id")
_PLAN_VERSION = _version("计划版本(plan_runs.version)", "Plan run (plan_runs.version)")
_PLAN_AS_OF = _as_of("计划的截至日期", "As-of date of the plan")

_TABLES: tuple[DerivedTable, ...] = (
    DerivedTable(
        "forecasts",
        Text("需求预测", "Demand forecasts"),
        Text(
            "每个期间与键(SKU、渠道、区域)最新发布的预测及对应实际销量;预测准确率指标读取此表",
            "The latest published forecast per period and key (SKU, channel, region) with the actual "
            "quantity; the forecast-accuracy metrics read it",
        ),
        _FORECAST_COLUMNS,
        _FORECAST_KEY,
        "chainsight.planning.forecast",
        replaces=_FORECAST_KEY,
        date_column="period",
    ),
    DerivedTable(
        "forecast_history",
        Text("预测历史", "Forecast history"),
        Text("每次预测运行的全部预测行,永久保留", "Every forecast row of every run, kept"),
        _FORECAST_COLUMNS,
        ("version", *_FORECAST_KEY),
        "chainsight.planning.forecast",
        date_column="period",
    ),
    DerivedTable(
        "forecast_runs",
        Text("预测运行", "Forecast runs"),
        Text(
            "每次预测运行一行:截至日期、层级、粒度与回测准确率",
            "One row per forecast run: as-of date, level, bucket and backtest accuracy",
        ),
        (
            _version("预测版本", "Forecast run version"),
            _as_of("截至日期", "As-of date"),
            _c("created_at", TS, "运行时间", "When the run was made", required=True),
            _c("level", S, "预测层级", "Forecast level", required=True),
            _c("bucket", S, "时间粒度:week 或 month", "Time bucket: week or month", required=True),
            _c("horizon", INT, "预测期数", "Horizon (buckets ahead)", required=True),
            _c("series", INT, "预测的序列数", "Number of series forecast", required=True),
            _c(
                "accuracy",
                StoredType.JSON,
                "各层级的回测准确率(WAPE、偏差、预测增加值,百分点)",
                "Backtest accuracy per level (WAPE, bias, forecast value added, in percentage points)",
            ),
        ),
        ("version",),
        "chainsight.planning.forecast",
    ),
    DerivedTable(
        "planned_orders",
        Text("计划订单", "Planned orders"),
        Text(
            "每个截至日期最新计划中的计划生产订单与采购订单",
            "Planned production and purchase orders of the latest plan per as-of date",
        ),
        (
            _PLAN_VERSION,
            _PLAN_AS_OF,
            _c("order_id", S, "计划订单号", "Planned order number", required=True),
            _c(
                "order_type",
                S,
                "类型:production 生产 或 purchase 采购",
                "Type: production or purchase",
                required=True,
            ),
            _c("item_id", S, "物品编码:SKU 或物料", "Item code: a SKU or a material", required=True),
            _c("site_id", S, "工厂", "Plant", required=True),
            _c("supplier_id", S, "供应商(采购订单)", "Supplier (purchase orders)"),
            _c("line_id", S, "产线(成品生产订单)", "Line (finished-goods production orders)"),
            _c("qty", N, "数量", "Quantity", required=True),
            _c("release_date", D, "下达日期", "Release date", required=True),
            _c("due_date", D, "到期日期", "Due date", required=True),
            _c(
                "late",
                StoredType.BOOLEAN,
                "下达日期已过(需加急)",
                "Release date already passed (expedite)",
                required=True,
            ),
            _c(
                "pegged_to",
                StoredType.STRING_LIST,
                "满足的需求或上级订单",
                "Demand or parent orders it serves",
                required=True,
            ),
        ),
        ("as_of", "order_id"),
        "chainsight.planning.plan",
        replaces=("as_of",),
        date_column="due_date",
    ),
    DerivedTable(
        "plan_exceptions",
        Text("计划例外", "Plan exceptions"),
        Text(
            "缺货、延迟订单、产能超载、使用前过期、过量库存与在途订单调整建议",
            "Shortages, late orders, capacity overloads, stock expiring before use, excess and open "
            "orders to expedite, defer or cancel",
        ),
        (
            _PLAN_VERSION,
            _PLAN_AS_OF,
            _c(
                "kind",
                S,
                "类型:shortage、late_order、capacity_overload、expiring_before_use、excess、expedite、defer、cancel",
                "Kind: shortage, late_order, capacity_overload, expiring_before_use, excess, expedite, "
                "defer or cancel",
                required=True,
            ),
            _c("site_id", S, "地点", "Site"),
            _c("item_id", S, "物品或产线编码", "Item (or, for an overload, line) code", required=True),
            _c("period", D, "所在周(周一)", "Week it falls in (its Monday)"),
            _c("qty", N, "数量(超载为产线天数)", "Quantity (line-days for an overload)", required=True),
            _c("detail", S, "原因说明", "Why", required=True),
            _c("order_id", S, "相关的在途订单", "Open order concerned"),
        ),
        ("as_of", "kind", "site_id", "item_id", "period", "order_id", "detail"),
        "chainsight.planning.plan",
        replaces=("as_of",),
        date_column="period",
    ),
    DerivedTable(
        "plan_capacity",
        Text("计划产能", "Plan capacity"),
        Text("每条产线每周的计划负荷与产能(天)", "Planned load and capacity per line and week (days)"),
        (
            _PLAN_VERSION,
            _PLAN_AS_OF,
            _c("line_id", S, "产线", "Line", required=True),
            _c("site_id", S, "工厂", "Plant"),
            _c("week", D, "周(周一)", "Week (its Monday)", required=True),
            _c("load_days", N, "负荷(天)", "Load (days)", required=True),
            _c("capacity_days", N, "产能(天)", "Capacity (days)", required=True),
            _c("use_pct", N, "产能利用率(%)", "Capacity use (%)", required=True),
            _c(
                "overload_days",
                N,
                "按需即产时超出产能的天数",
                "Days over capacity if made just in time",
                required=True,
            ),
        ),
        ("as_of", "line_id", "week"),
        "chainsight.planning.plan",
        replaces=("as_of",),
        date_column="week",
    ),
    DerivedTable(
        "plan_runs",
        Text("计划运行", "Plan runs"),
        Text(
            "每次保存的计划一行:截至日期、需求来源与 KPI",
            "One row per stored plan: as-of, demand source, KPIs",
        ),
        (
            _version("计划版本", "Plan run version"),
            _PLAN_AS_OF,
            _c("created_at", TS, "运行时间", "When the plan was made", required=True),
            _c("horizon", INT, "计划周数", "Horizon (weeks)", required=True),
            _c(
                "demand_source",
                S,
                "需求来源:forecast 或 consensus:文件名",
                "Demand source: forecast, or consensus:file name",
                required=True,
            ),
            _c(
                "kpis",
                StoredType.JSON,
                "计划 KPI:服务水平、库存金额、过期损耗、产能利用等",
                "Plan KPIs: service level, inventory value, expiry waste, capacity use and more",
                required=True,
            ),
        ),
        ("version",),
        "chainsight.planning.plan",
    ),
    DerivedTable(
        "_cs_rollups",
        Text("汇总表登记", "Rollup register"),
        Text(
            "每张汇总表一行:定义签名与来源数据指纹,用于判断是否仍然新鲜",
            "One row per rollup table: its definition's signature and its source's fingerprint, "
            "which tell whether it is still fresh",
        ),
        (
            _c("tbl", S, "汇总表名", "Rollup table name", required=True),
            _c("entity", S, "来源实体", "Source entity", required=True),
            _c("grain", S, "日期粒度:day 或 month", "Date grain: day or month", required=True),
            _c("signature", S, "定义签名", "Signature of its definition", required=True),
            _c(
                "fingerprint",
                S,
                "构建时来源的行数与加载记录",
                "Source rows and loads when built",
                required=True,
            ),
            _c("rows", INT, "汇总表行数", "Rows of the rollup", required=True),
            _c("source_rows", INT, "来源行数", "Rows of the source", required=True),
            _c("refreshed_at", TS, "构建时间", "When it was built", required=True),
        ),
        ("tbl",),
        "chainsight.metrics.refresh_rollups",
        replaces=("tbl",),
    ),
)

DERIVED: dict[str, DerivedTable] = {t.name: t for t in _TABLES}
validate_derived(DERIVED, ENTITIES)
