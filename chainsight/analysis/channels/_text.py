"""Plain-language findings in zh and en, ready for the CLI and the web app."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Finding"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One sentence in Chinese and English with the numbers behind it.

    ``kind``: price_conflict, cannibalization, halo, relation, mix, assortment or reach;
    ``severity``: high, medium or info.
    """

    kind: str
    severity: str
    zh: str
    en: str
    numbers: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        """The sentence in ``lang`` (zh or en)."""
        return self.zh if lang == "zh" else self.en

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "severity": self.severity,
            "zh": self.zh,
            "en": self.en,
            "numbers": self.numbers,
        }
