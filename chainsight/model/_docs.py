"""Render the data model as Markdown (docs/data-model.md and its Chinese twin)."""

from __future__ import annotations

from chainsight.model._derived import DERIVED, DerivedTable
from chainsight.model._entities import ENTITIES, LOAD_ORDER
from chainsight.model._min_life import MIN_LIFE_DEFAULTS
from chainsight.model._spec import Column

_HEAD = {
    "en": (
        "# The canonical data model",
        "Generated from `chainsight/model/_entities.py` and `chainsight/model/_derived.py` by "
        "`python -m chainsight.model.docs`; do not edit by hand.",
        ("column", "type", "required", "rule", "meaning"),
        "Natural key",
        "References",
        "yes",
    ),
    "zh": (
        "# 标准数据模型",
        "由 `chainsight/model/_entities.py` 与 `chainsight/model/_derived.py` 经 "
        "`python -m chainsight.model.docs` 生成,请勿手工修改。",
        ("列", "类型", "必填", "规则", "含义"),
        "业务主键",
        "外键",
        "是",
    ),
}


def _rule(c: Column) -> str:
    parts = []
    if c.allowed:
        parts.append(" \\| ".join(f"`{a}`" for a in c.allowed))
    if c.min is not None:
        parts.append(("> " if c.min_exclusive else "≥ ") + f"{c.min:g}")
    if c.max is not None:
        parts.append(f"≤ {c.max:g}")
    return ", ".join(parts)


_DERIVED_HEAD: dict[str, dict[str, str]] = {
    "en": {
        "title": "# Tables Chainsight writes",
        "intro": (
            "Forecasting, planning and rollups write these tables themselves; they are declared in "
            "`chainsight/model/_derived.py` and created from that declaration. A column added there is "
            "added to an existing warehouse when it is next opened for writing."
        ),
        "key": "Row key",
        "writer": "Written by",
        "replaces": "Each write replaces the rows with the same",
        "appends": "Each write appends rows",
    },
    "zh": {
        "title": "# Chainsight 自己写入的表",
        "intro": (
            "预测、计划与汇总表由产品自己写入;它们在 `chainsight/model/_derived.py` 中声明,并按该声明建表。"
            "在那里新增的列,会在仓库下次以可写方式打开时补到已有的表中。"
        ),
        "key": "行键",
        "writer": "写入者",
        "replaces": "每次写入替换以下各列取值相同的行",
        "appends": "每次写入只追加行",
    },
}


_DERIVED_COLUMNS = {
    "en": ("column", "type", "always set", "meaning"),
    "zh": ("列", "类型", "总有值", "含义"),
}


def _derived(t: DerivedTable, lang: str, yes: str) -> list[str]:
    h = _DERIVED_HEAD[lang]
    out = [f"## `{t.name}` — {t.label.get(lang)}", "", t.description.get(lang), ""]
    out.append(f"{h['key']}: ({', '.join(f'`{k}`' for k in t.key)})")
    out.append(f"  \n{h['writer']}: `{t.writer}`")
    if t.replaces:
        out.append(f"  \n{h['replaces']}: " + ", ".join(f"`{c}`" for c in t.replaces))
    else:
        out.append(f"  \n{h['appends']}")
    out += ["", "| " + " | ".join(_DERIVED_COLUMNS[lang]) + " |", "|---|---|---|---|"]
    for c in t.columns:
        out.append(
            f"| `{c.name}` | {c.type.value} | {yes if c.required else ''} | {c.description.get(lang)} |"
        )
    out.append("")
    return out


_MIN_LIFE = {
    "en": (
        "## Where a minimum remaining shelf life is blank",
        "`customers.min_remaining_life_pct` and `channels.min_remaining_life_pct` may be left empty. "
        "A channel's minimum is then the strictest default of its customers' types, else its kind's; "
        "a customer's is its channel's value, else its type's default, else its channel's minimum; "
        "else {fallback}. The expiry report and the plan apply this one rule "
        "(`chainsight/model/_min_life.py`).",
        "default",
    ),
    "zh": (
        "## 最低剩余保质期为空时",
        "`customers.min_remaining_life_pct` 与 `channels.min_remaining_life_pct` 可以为空。此时渠道的最低要求"
        "取其客户类型默认值中最严的一个,否则取渠道类型的默认值;客户的最低要求取其渠道的数据值,"
        "否则取客户类型的默认值,否则取其渠道的最低要求;都没有时为 {fallback}。临期报告与供应计划使用"
        "同一条规则(`chainsight/model/_min_life.py`)。",
        "默认",
    ),
}


def _min_life(lang: str) -> list[str]:
    title, text, default = _MIN_LIFE[lang]
    d = MIN_LIFE_DEFAULTS
    out = [title, "", text.format(fallback=f"{d.fallback:.0%}"), ""]
    for column, table in (("customers.type", d.by_customer_type), ("channels.kind", d.by_channel_kind)):
        out += [f"| `{column}` | {default} |", "|---|---|"]
        out += [f"| `{k}` | {v:.0%} |" for k, v in table.items()]
        out.append("")
    return out


def render(lang: str = "en") -> str:
    title, note, headers, key_label, ref_label, yes = _HEAD[lang]
    out = [title, "", note, ""]
    for name in LOAD_ORDER:
        e = ENTITIES[name]
        out += [f"## `{e.name}` — {e.label.get(lang)}", "", e.description.get(lang), ""]
        out.append(f"{key_label}: ({', '.join(f'`{k}`' for k in e.natural_key)})")
        if e.foreign_keys:
            refs = "; ".join(
                f"`{fk.column}` → " + " / ".join(f"`{t}.{c}`" for t, c in fk.targets) for fk in e.foreign_keys
            )
            out.append(f"  \n{ref_label}: {refs}")
        out += ["", "| " + " | ".join(headers) + " |", "|---|---|---|---|---|"]
        for c in e.columns:
            out.append(
                f"| `{c.name}` | {c.type.value} | {yes if c.required else ''} | {_rule(c)} | {c.description.get(lang)} |"
            )
        out.append("")
    out += _min_life(lang)
    h = _DERIVED_HEAD[lang]
    out += [h["title"], "", h["intro"], ""]
    for t in DERIVED.values():
        out += _derived(t, lang, yes)
    return "\n".join(out)
