"""The rule catalog: every built-in rule is valid; a wrong rule fails at load naming file, rule and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainsight._errors import DefinitionError
from chainsight.alerts import KINDS, load_rules, render
from chainsight.alerts._spec import OWNER_ROLES

GOOD = """
rules:
  - id: my_rule
    kind: supplier_late
    owner_role: procurement
    title: {zh: 标题, en: Title}
    message: {zh: "{supplier} {late_share:.0%}", en: "{supplier} {late_share:.0%}"}
    action: {zh: 做点什么, en: Do something}
    params: {months: 3}
"""


def test_builtin_catalog_covers_every_kind() -> None:
    rules = load_rules()
    assert {r.kind for r in rules} == set(KINDS)
    assert all(r.owner_role in OWNER_ROLES and r.title.zh and r.action.en for r in rules)
    assert len(set(rules.ids)) == len(rules)
    # defaults filled in from the kind
    assert rules.get("supplier_late_otif").params["critical_late_share"] == 0.5


def test_a_custom_file_loads(tmp_path: Path) -> None:
    p = tmp_path / "r.yaml"
    p.write_text(GOOD, encoding="utf-8")
    r = load_rules(p).get("my_rule")
    assert r.params["months"] == 3 and r.params["otif_floor"] == 0.6 and r.severity == "warning"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("kind: supplier_late", "kind: supplier_lateness"), "kind"),
        (("owner_role: procurement", "owner_role: boss"), "owner_role"),
        (("{months: 3}", "{monthz: 3}"), "params.monthz"),
        (("{months: 3}", "{months: -1}"), "params.months"),
        (("{months: 3}", "{months: many}"), "params.months"),
        (('en: "{supplier} {late_share:.0%}"', 'en: "{supplier} {late_shar:.0%}"'), "message.en"),
        (("action: {zh: 做点什么, en: Do something}", "action: {zh: 做点什么}"), "action"),
        (("    params: {months: 3}", "    params: {months: 3}\n    colour: red"), "colour"),
        (("owner_role: procurement", "owner_role: procurement\n    severity: fatal"), "severity"),
    ],
)
def test_errors_name_file_rule_and_field(tmp_path: Path, change: tuple[str, str], field: str) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(DefinitionError) as e:
        load_rules(p)
    err = e.value
    assert (
        err.context["file"] == str(p) and err.context["rule"] == "my_rule" and err.context["field"] == field
    )
    assert f"my_rule.{field}" in err.message("en") and str(p) in err.message("zh")


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(DefinitionError, match="duplicates"):
        load_rules(tmp_path)


def test_render_survives_missing_numbers() -> None:
    assert render("{a:,.0f} / {b:.0%} / {c}", {"a": 1234.5, "b": None}) == "1,234 / — / —"
