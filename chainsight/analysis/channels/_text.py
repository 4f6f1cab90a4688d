"""Plain-language findings in zh and en, ready for the CLI and the web app."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chainsight.present import Text, zh_punctuation

__all__ = ["Finding"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One sentence in Chinese and English with the numbers behind it.

    ``kind``: price_conflict, cannibalization, halo, relation, mix, assortment or reach;
    ``severity``: high, medium or info. The Chinese sentence is stored with Chinese punctuation
    (，：；（）), whatever the sentence template wrote, so no finding reaches a reader half-width.

    >>> Finding("mix", "info", "线上占比 35.2%,同比 +3.1 个百分点", "online share 35.2%").zh
    '线上占比 35.2%，同比 +3.1 个百分点'
    """

    kind: str
    severity: str
    zh: str
    en: str
    numbers: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # a frozen dataclass sets its own fields this way
        object.__setattr__(self, "zh", zh_punctuation(self.zh))

    @property
    def sentence(self) -> Text:
        """The sentence as bilingual :class:`~chainsight.present.Text`."""
        return Text(self.zh, self.en)

    def text(self, lang: str) -> str:
        """The sentence in ``lang`` (zh or en)."""
        return self.zh if lang.startswith("zh") else self.en

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "severity": self.severity,
            "zh": self.zh,
            "en": self.en,
            "numbers": self.numbers,
        }
