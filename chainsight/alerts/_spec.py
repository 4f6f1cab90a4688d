"""Alert rules as data: a YAML catalog of frozen specs, validated when loaded.

A rule names its ``kind`` (which evaluator computes it), its severity, owner role, texts in zh and
en with ``{placeholders}`` filled from the numbers behind each alert, and ``params`` (thresholds) that
are checked against the kind's declared parameters. A typo fails at load naming the file, the rule and
the field.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from chainsight._errors import DefinitionError
from chainsight.model import OWNER_ROLE_NAMES, ROLES, Text, get_role

RULES_DIR = Path(__file__).with_name("rules")

SEVERITIES: dict[str, Text] = {
    "info": Text("提示", "Info"),
    "warning": Text("警告", "Warning"),
    "critical": Text("严重", "Critical"),
}
SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}

# Who owns an alert (routing sends it to the channels of this role): the roles of the one
# vocabulary (chainsight.model.ROLES) that may own metrics and alerts, with their labels.
OWNER_ROLES: Mapping[str, Text] = MappingProxyType({n: ROLES[n].label for n in OWNER_ROLE_NAMES})


def owner_role(name: Any) -> str | None:
    """The current name of owner role ``name`` (a former name answers the current one); None when
    ``name`` is not an owner role."""
    if not isinstance(name, str):
        return None
    try:
        return get_role(name, kind="owner").name
    except DefinitionError:
        return None


# Scope keys an alert may carry (the first five are the metric dimensions used for user scopes).
SCOPE_KEYS = (
    "province",
    "channel",
    "channel_kind",
    "site",
    "sku",
    "customer",
    "supplier",
    "line",
    "lot",
    "shop",
    "entity",
)


@dataclass(frozen=True, slots=True)
class Param:
    """A parameter of a rule kind: its type (``float``, ``int``, ``str``, ``list``, ``dict``) and default."""

    type: str
    default: Any
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True, slots=True)
class Kind:
    """What an evaluator needs (params) and what it produces (numbers, usable in the rule's texts)."""

    name: str
    label: Text
    params: MappingProxyType[str, Param]
    fields: frozenset[str]


def _kind(name: str, zh: str, en: str, params: dict[str, Param], fields: set[str]) -> Kind:
    return Kind(name, Text(zh, en), MappingProxyType(params), frozenset(fields | set(SCOPE_KEYS)))


P = Param
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        _kind(
            "expiry_risk",
            "临期风险(按批次)",
            "Expiry risk (per lot)",
            {
                "min_unsold_value": P("float", 10_000.0, 0),
                "critical_unsold_value": P("float", 50_000.0, 0),
                "item_kinds": P("list", ["product"]),
            },
            {
                "item_name",
                "qty",
                "expiry_date",
                "days_to_expiry",
                "state",
                "projected_unsold_qty",
                "projected_unsold_value",
                "action",
                "action_target",
                "value_saved",
            },
        ),
        _kind(
            "near_expiry_value",
            "临期库存金额(按地点)",
            "Near-expiry stock value (per site)",
            {"min_value": P("float", 10_000.0, 0), "critical_value": P("float", 50_000.0, 0)},
            {
                "near_expiry_value",
                "expired_value",
                "near_expiry_lots",
                "expired_lots",
                "stock_value",
                "share",
            },
        ),
        _kind(
            "stockout_risk",
            "提前期内断货",
            "Stock-out within lead time",
            {
                "lead_time_days": P("int", 7, 0),
                "site_types": P("list", ["dc"]),
                "min_daily_demand_value": P("float", 200.0, 0),
                "critical_days": P("int", 2, 0),
            },
            {"item_name", "stock_qty", "daily_demand", "stockout_date", "days_of_cover", "lead_time_days"},
        ),
        _kind(
            "supplier_late",
            "供应商延迟 / OTIF 下降",
            "Supplier late / OTIF falling",
            {
                "months": P("int", 6, 1),
                "otif_floor": P("float", 0.6, 0, 1),
                "critical_late_share": P("float", 0.5, 0, 1),
                "min_receipts": P("int", 10, 1),
                "min_po_lines": P("int", 10, 1),
            },
            {"name", "receipts", "po_lines", "late_share", "avg_delay_days", "otif", "median_late_share"},
        ),
        _kind(
            "price_conflict",
            "线上低于价格底线",
            "Online price below the floor",
            {
                "lookback_weeks": P("int", 4, 1),
                "min_weeks": P("int", 1, 1),
                "min_below_floor_pct": P("float", 0.03, 0, 1),
                "critical_below_floor_pct": P("float", 0.15, 0, 1),
            },
            {
                "weeks",
                "first_week",
                "last_week",
                "effective_price",
                "floor_price",
                "below_floor_pct",
                "margin_leakage",
                "qty",
            },
        ),
        _kind(
            "stuffing",
            "压货(进货远高于动销)",
            "Channel stuffing (sell-in far above sell-out)",
            {"min_weeks_of_cover": P("float", 6.0, 0), "critical_weeks_of_cover": P("float", 12.0, 0)},
            {
                "name",
                "skus",
                "sell_in_qty",
                "sell_out_qty",
                "ratio",
                "channel_stock",
                "weeks_of_cover",
                "excess_qty",
                "at_risk_value",
            },
        ),
        _kind(
            "cannibalization",
            "线上促销蚕食线下",
            "Online promotions cannibalise offline",
            {"max_p_value": P("float", 0.05, 0, 1), "min_effect": P("float", 0.1, 0, 1)},
            {"effect", "ci_low", "ci_high", "p_value", "skus", "weeks"},
        ),
        _kind(
            "sales_behind_target",
            "销售落后于目标进度",
            "Sales behind target pace",
            {
                "window": P("str", "ytd"),
                "max_attainment": P("float", 0.85, 0, 10),
                "critical_attainment": P("float", 0.7, 0, 10),
                "min_target_share": P("float", 0.01, 0, 1),
                "channel_kind": P("str", "offline"),
            },
            {"attainment", "net_sales", "target_amount", "gap", "period_start", "period_end"},
        ),
        _kind(
            "forecast_bias",
            "预测偏差",
            "Forecast bias",
            {
                "months": P("int", 3, 1),
                "max_abs_bias": P("float", 0.2, 0, 10),
                "critical_abs_bias": P("float", 0.4, 0, 10),
                "min_actual_share": P("float", 0.02, 0, 1),
            },
            {"bias", "direction", "forecast_qty", "actual_qty", "period_start", "period_end"},
        ),
        _kind(
            "plan_attainment",
            "生产计划达成率下降",
            "Production plan attainment falling",
            {
                "months": P("int", 6, 1),
                "min_attainment": P("float", 0.9, 0, 10),
                "min_orders": P("int", 5, 1),
            },
            {"plan_attainment", "planned_qty", "actual_qty", "completed", "yield", "lost_units"},
        ),
        _kind(
            "production_yield",
            "产线良率偏低",
            "Production line yield low",
            {"months": P("int", 12, 1), "max_gap": P("float", 0.05, 0, 1), "min_orders": P("int", 5, 1)},
            {"yield", "median_yield", "gap", "completed", "lost_units"},
        ),
        _kind(
            "data_freshness",
            "数据不新鲜",
            "Data not fresh",
            {
                "max_age_days": P(
                    "dict",
                    {
                        "sell_in": 3,
                        "online_orders": 3,
                        "sell_out": 10,
                        "inventory": 3,
                        "purchase_orders": 30,
                        "receipts": 21,
                        "production_orders": 14,
                    },
                ),
                "critical_age_days": P("int", 30, 0),
            },
            {"entity", "last_date", "age_days", "max_age_days"},
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Rule:
    """One alert rule. ``message`` and ``action`` are templates over the alert's numbers and scope."""

    id: str
    kind: str
    title: Text
    message: Text
    action: Text
    severity: str
    owner_role: str
    params: MappingProxyType[str, Any]
    enabled: bool = True
    file: str = ""

    def param(self, name: str) -> Any:
        return self.params[name]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": {"zh": self.title.zh, "en": self.title.en},
            "severity": self.severity,
            "owner_role": self.owner_role,
            "params": dict(self.params),
            "enabled": self.enabled,
        }


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Rules by id, in catalog order."""

    rules: tuple[Rule, ...] = field(default_factory=tuple)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise DefinitionError(
            f"没有告警规则 “{rule_id}”", f"no alert rule '{rule_id}'; known: {', '.join(self.ids)}"
        )

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.rules]

    def select(self, ids: list[str] | None) -> RuleSet:
        if not ids:
            return self
        return RuleSet(tuple(self.get(i) for i in ids))


def _fail(file: str, rule: str, field_: str, zh: str, en: str) -> DefinitionError:
    where = f"{rule}.{field_}" if field_ else rule
    return DefinitionError(f"规则 {where}: {zh}", f"rule {where}: {en}", file=file, rule=rule, field=field_)


def _text(file: str, rid: str, name: str, value: Any, fields: frozenset[str] | None) -> Text:
    if not isinstance(value, dict) or set(value) != {"zh", "en"}:
        raise _fail(file, rid, name, "需要 zh 和 en 两种文本", "needs both zh and en texts")
    for lang in ("zh", "en"):
        v = value[lang]
        if not isinstance(v, str) or not v.strip():
            raise _fail(file, rid, f"{name}.{lang}", "不能为空", "must be a non-empty text")
        if fields is not None:
            try:
                names = {f[1] for f in string.Formatter().parse(v) if f[1] is not None}
            except ValueError as exc:
                raise _fail(
                    file, rid, f"{name}.{lang}", f"模板格式错误:{exc}", f"bad template: {exc}"
                ) from None
            for n in names:
                base = n.split(".")[0].split("[")[0]
                if base not in fields:
                    raise _fail(
                        file,
                        rid,
                        f"{name}.{lang}",
                        f"未知占位符 {{{n}}};可用:{', '.join(sorted(fields))}",
                        f"unknown placeholder {{{n}}}; known: {', '.join(sorted(fields))}",
                    )
    return Text(value["zh"], value["en"])


def _param(file: str, rid: str, name: str, spec: Param, value: Any) -> Any:
    where = f"params.{name}"
    if spec.type in ("float", "int"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if spec.type == "int":
            ok = ok and float(value).is_integer()
        if not ok:
            raise _fail(file, rid, where, f"应为数字,收到 {value!r}", f"must be a number, got {value!r}")
        if spec.min is not None and value < spec.min:
            raise _fail(file, rid, where, f"不能小于 {spec.min}", f"must be at least {spec.min}")
        if spec.max is not None and value > spec.max:
            raise _fail(file, rid, where, f"不能大于 {spec.max}", f"must be at most {spec.max}")
        return int(value) if spec.type == "int" else float(value)
    if spec.type == "str":
        if not isinstance(value, str) or not value:
            raise _fail(file, rid, where, "应为文本", "must be a text")
        return value
    if spec.type == "list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _fail(file, rid, where, "应为文本列表", "must be a list of names")
        return tuple(value)
    if spec.type == "dict":
        if not isinstance(value, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value.values()
        ):
            raise _fail(
                file, rid, where, "应为 名称: 非负整数 的映射", "must map names to non-negative integers"
            )
        return MappingProxyType({str(k): int(v) for k, v in value.items()})
    raise AssertionError(spec.type)  # pragma: no cover


_RULE_FIELDS = {"id", "kind", "title", "message", "action", "severity", "owner_role", "params", "enabled"}
_CHOICES = {
    ("sales_behind_target", "window"): ("ytd", "mtd", "last_3_months"),
    ("sales_behind_target", "channel_kind"): ("offline", "online", "all"),
}


def parse_rule(raw: Any, file: str) -> Rule:
    """One rule from its YAML mapping; raises DefinitionError naming file, rule and field."""
    if not isinstance(raw, dict):
        raise _fail(file, "?", "", "每条规则应为映射", "each rule must be a mapping")
    rid = raw.get("id")
    if not isinstance(rid, str) or not rid.replace("_", "").isalnum() or not rid.islower():
        raise _fail(file, str(rid), "id", "id 应为小写 snake_case", "id must be lower snake_case")
    unknown = set(raw) - _RULE_FIELDS
    if unknown:
        bad = sorted(unknown)[0]
        raise _fail(
            file,
            rid,
            bad,
            f"未知字段;可用:{', '.join(sorted(_RULE_FIELDS))}",
            f"unknown field; known: {', '.join(sorted(_RULE_FIELDS))}",
        )
    kind = KINDS.get(raw.get("kind"))  # type: ignore[arg-type]
    if kind is None:
        raise _fail(
            file,
            rid,
            "kind",
            f"未知类型 {raw.get('kind')!r};可用:{', '.join(KINDS)}",
            f"unknown kind {raw.get('kind')!r}; known: {', '.join(KINDS)}",
        )
    severity = raw.get("severity", "warning")
    if severity not in SEVERITIES:
        raise _fail(
            file, rid, "severity", f"应为 {', '.join(SEVERITIES)}", f"must be one of {', '.join(SEVERITIES)}"
        )
    owner = owner_role(raw.get("owner_role"))
    if owner is None:
        raise _fail(
            file,
            rid,
            "owner_role",
            f"应为 {', '.join(OWNER_ROLES)}",
            f"must be one of {', '.join(OWNER_ROLES)}",
        )
    for need in ("title", "message", "action"):
        if need not in raw:
            raise _fail(file, rid, need, "缺少该字段", "is required")
    title = _text(file, rid, "title", raw["title"], None)
    message = _text(file, rid, "message", raw["message"], kind.fields)
    action = _text(file, rid, "action", raw["action"], kind.fields)
    params_raw = raw.get("params") or {}
    if not isinstance(params_raw, dict):
        raise _fail(file, rid, "params", "应为映射", "must be a mapping")
    params: dict[str, Any] = {}
    for name, spec in kind.params.items():
        value = params_raw.get(name, spec.default)
        params[name] = _param(file, rid, name, spec, value)
        choices = _CHOICES.get((kind.name, name))
        if choices and params[name] not in choices:
            raise _fail(
                file,
                rid,
                f"params.{name}",
                f"应为 {', '.join(choices)}",
                f"must be one of {', '.join(choices)}",
            )
    for name in params_raw:
        if name not in kind.params:
            raise _fail(
                file,
                rid,
                f"params.{name}",
                f"类型 {kind.name} 没有该参数;可用:{', '.join(kind.params)}",
                f"kind {kind.name} has no such parameter; known: {', '.join(kind.params)}",
            )
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _fail(file, rid, "enabled", "应为 true 或 false", "must be true or false")
    return Rule(
        id=rid,
        kind=kind.name,
        title=title,
        message=message,
        action=action,
        severity=severity,
        owner_role=owner,
        params=MappingProxyType(params),
        enabled=enabled,
        file=file,
    )


def _read(path: Path) -> list[Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DefinitionError(
            f"无法读取告警规则:{exc}", f"cannot read alert rules: {exc}", file=str(path)
        ) from None
    except yaml.YAMLError as exc:
        raise DefinitionError(f"YAML 格式错误:{exc}", f"not valid YAML: {exc}", file=str(path)) from None
    if isinstance(data, dict) and set(data) == {"rules"}:
        data = data["rules"]
    if not isinstance(data, list):
        raise DefinitionError(
            "告警规则文件应为 rules: [...] 列表",
            "an alert rule file must hold a list under rules:",
            file=str(path),
        )
    return data


def load_rules(path: str | os.PathLike[str] | None = None) -> RuleSet:
    """The alert rule catalog: the built-in ``chainsight/alerts/rules/*.yaml``, or a file or folder of them.

    >>> rules = load_rules()
    >>> rules.get("expiry_risk_lot").owner_role
    'warehouse'
    """
    if path is None:
        return _builtin()
    return _load(Path(path))


@cache
def _builtin() -> RuleSet:
    return _load(RULES_DIR)


def _load(path: Path) -> RuleSet:
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        raise DefinitionError("没有找到告警规则文件", "no alert rule files found", file=str(path))
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for f in files:
        for raw in _read(f):
            rule = parse_rule(raw, str(f))
            if rule.id in seen:
                raise _fail(
                    str(f),
                    rule.id,
                    "id",
                    f"与 {seen[rule.id]} 中的规则重复",
                    f"duplicates a rule in {seen[rule.id]}",
                )
            seen[rule.id] = str(f)
            rules.append(rule)
    return RuleSet(tuple(rules))
