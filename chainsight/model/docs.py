"""`python -m chainsight.model.docs` rewrites docs/data-model.md and docs/data-model.zh-CN.md."""

from __future__ import annotations

from pathlib import Path

from chainsight.model._docs import render

DOCS = Path(__file__).resolve().parents[2] / "docs"
TARGETS = {"en": DOCS / "data-model.md", "zh": DOCS / "data-model.zh-CN.md"}

if __name__ == "__main__":
    DOCS.mkdir(exist_ok=True)
    for lang, path in TARGETS.items():
        path.write_text(render(lang), encoding="utf-8")
        print(f"wrote {path}")
