"""Declarative, immutable specs of the canonical data model.

An :class:`Entity` is data: its columns, natural key, foreign keys and row checks.
The whole catalog is validated once at import (:func:`validate_catalog`), so a typo
in a spec fails loudly with the entity and field named, never later inside a query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from chainsight._errors import DefinitionError
from chainsight.present import Text  # the one bilingual text type; re-exported by chainsight.model

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


class ColumnType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    DATE = "date"
    MONTH = "month"  # a date truncated to the first day of its month
    TIMESTAMP = "timestamp"

    @property
    def sql(self) -> str:
        return {
            "string": "VARCHAR",
            "integer": "BIGINT",
            "number": "DOUBLE",
            "date": "DATE",
            "month": "DATE",
            "timestamp": "TIMESTAMP",
        }[self.value]


class EntityKind(StrEnum):
    MASTER = "master"  # reference data: products, customers, sites ...
    TRANSACTION = "transaction"  # events: sell-in, orders, receipts ...
    SNAPSHOT = "snapshot"  # stock at a date: inventory


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: ColumnType
    description: Text
    required: bool = False
    allowed: tuple[str, ...] | None = None
    min: float | None = None  # inclusive lower bound
    min_exclusive: bool = False  # when True, the bound itself is rejected (e.g. shelf_life_days > 0)
    max: float | None = None
    # holds a share 0–1 (a rate): a value such as 30 is almost surely a percentage written as a number
    fraction: bool = False
    # former names, still accepted in mappings and file headers (with a deprecation note) and
    # renamed in a warehouse made before (when it is opened)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ForeignKey:
    """``column`` must match one of ``targets`` (entity, column); polymorphic keys list several.

    Null values are not checked (use ``required`` for that). ``self`` references
    (regions.parent_id) may also be satisfied by rows of the same load.
    """

    column: str
    targets: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class RowCheck:
    """``left op right`` between two columns of one row; skipped when either is null."""

    left: str
    op: str  # one of <=, >=, <, >
    right: str
    code: str
    reason: Text


@dataclass(frozen=True, slots=True)
class Entity:
    name: str
    label: Text
    description: Text
    kind: EntityKind
    domain: str
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[RowCheck, ...] = ()
    date_column: str | None = None  # the column that places a row in time (status, partitioning)
    _by_name: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({c.name: c for c in self.columns})

    def column(self, name: str) -> Column:
        try:
            return self._by_name[name]
        except KeyError:
            raise DefinitionError(
                f"实体 {self.name} 没有列 {name}",
                f"entity {self.name} has no column {name}",
                entity=self.name,
            ) from None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


_OPS = {"<=", ">=", "<", ">"}


def validate_catalog(entities: dict[str, Entity]) -> None:
    """Check every spec for internal consistency; raise DefinitionError naming entity and field."""

    def fail(entity: str, fieldname: str, zh: str, en: str) -> None:
        raise DefinitionError(
            f"实体 {entity} 字段 {fieldname}: {zh}",
            f"entity {entity}, field {fieldname}: {en}",
            entity=entity,
        )

    for key, ent in entities.items():
        if key != ent.name or not _SNAKE.match(ent.name):
            fail(
                ent.name,
                "name",
                "名称必须是 snake_case 且与注册名一致",
                "name must be snake_case and match its key",
            )
        names = [c.name for c in ent.columns]
        if len(set(names)) != len(names):
            fail(ent.name, "columns", "列名重复", "duplicate column names")
        for col in ent.columns:
            if not _SNAKE.match(col.name) or col.name.startswith("_"):
                fail(ent.name, col.name, "列名必须是 snake_case", "column name must be snake_case")
            if col.allowed is not None and col.type is not ColumnType.STRING:
                fail(
                    ent.name,
                    col.name,
                    "只有文本列可以列出允许值",
                    "only string columns may list allowed values",
                )
            if (col.min is not None or col.max is not None) and col.type not in (
                ColumnType.INTEGER,
                ColumnType.NUMBER,
            ):
                fail(ent.name, col.name, "只有数值列可以有范围", "only numeric columns may have a range")
            if col.fraction and col.type is not ColumnType.NUMBER:
                fail(ent.name, col.name, "只有数值列可以是比例", "only number columns may hold a fraction")
            if col.fraction and not (
                col.min is not None and col.min >= 0 and col.max is not None and col.max <= 1
            ):
                fail(
                    ent.name,
                    col.name,
                    "比例列的范围须在 0 到 1 之内",
                    "a fraction column needs a range within 0 to 1",
                )
            if any(a in names or not _SNAKE.match(a) for a in col.aliases):
                fail(
                    ent.name,
                    col.name,
                    "旧名必须是 snake_case 且不是现有列名",
                    "an alias must be snake_case, not a column",
                )
        if not ent.natural_key:
            fail(ent.name, "natural_key", "必须有业务主键", "a natural key is required")
        for k in ent.natural_key:
            if k not in names:
                fail(ent.name, "natural_key", f"未知列 {k}", f"unknown column {k}")
            if not ent.column(k).required:
                fail(ent.name, "natural_key", f"主键列 {k} 必须是必填", f"key column {k} must be required")
        for fk in ent.foreign_keys:
            if fk.column not in names:
                fail(ent.name, "foreign_keys", f"未知列 {fk.column}", f"unknown column {fk.column}")
            for target, target_col in fk.targets:
                if target not in entities:
                    fail(ent.name, "foreign_keys", f"未知实体 {target}", f"unknown entity {target}")
                if target_col not in entities[target].natural_key:
                    fail(
                        ent.name,
                        "foreign_keys",
                        f"{target}.{target_col} 不是主键",
                        f"{target}.{target_col} is not a natural key",
                    )
        for check in ent.checks:
            if check.op not in _OPS:
                fail(ent.name, "checks", f"未知比较符 {check.op}", f"unknown operator {check.op}")
            for side in (check.left, check.right):
                if side not in names:
                    fail(ent.name, "checks", f"未知列 {side}", f"unknown column {side}")
        if ent.date_column is not None and ent.date_column not in names:
            fail(ent.name, "date_column", f"未知列 {ent.date_column}", f"unknown column {ent.date_column}")
