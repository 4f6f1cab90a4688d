"""The glossary in docs/ is generated from the catalog and must not go stale."""

from __future__ import annotations

from pathlib import Path

from chainsight.metrics import docs, load_catalog


def test_glossary_files_are_up_to_date() -> None:
    assert docs.stale() == [], "run: python -m chainsight.metrics.docs"


def test_glossary_lists_every_metric_in_both_languages() -> None:
    en, zh = docs.render("en"), docs.render("zh")
    for m in load_catalog():
        assert f"### `{m.name}` — {m.label.en}" in en
        assert f"### `{m.name}` — {m.label.zh}" in zh
        assert m.description.zh in zh


def test_check_mode_reports_stale_files(tmp_path: Path) -> None:
    assert docs.main(["--check", str(tmp_path)]) == 1
    assert docs.main([str(tmp_path)]) == 0
    assert docs.main(["--check", str(tmp_path)]) == 0
