"""Generated documentation must match the specs it is generated from."""

from __future__ import annotations

from chainsight.model._docs import render
from chainsight.model.docs import TARGETS


def test_data_model_docs_are_current() -> None:
    for lang, path in TARGETS.items():
        assert path.read_text(encoding="utf-8") == render(lang), (
            f"{path} is stale: run .venv/bin/python -m chainsight.model.docs"
        )


def test_data_model_docs_name_every_entity_in_both_languages() -> None:
    from chainsight.model import ENTITIES

    for lang in ("en", "zh"):
        text = render(lang)
        for name, entity in ENTITIES.items():
            assert f"## `{name}` — {entity.label.get(lang)}" in text
