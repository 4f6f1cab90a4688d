"""Render the data model as Markdown (docs/data-model.md and its Chinese twin)."""

from __future__ import annotations

from chainsight.model._entities import ENTITIES, LOAD_ORDER
from chainsight.model._spec import Column

_HEAD = {
    "en": (
        "# The canonical data model",
        "Generated from `chainsight/model/_entities.py` by "
        "`python -m chainsight.model.docs`; do not edit by hand.",
        ("column", "type", "required", "rule", "meaning"),
        "Natural key",
        "References",
        "yes",
    ),
    "zh": (
        "# 标准数据模型",
        "由 `chainsight/model/_entities.py` 经 `python -m chainsight.model.docs` 生成,请勿手工修改。",
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
    return "\n".join(out)
