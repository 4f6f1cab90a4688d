"""How Chainsight speaks to a person: bilingual text, the reader's language, numbers, dates and enum names.

The lowest layer above the error hierarchy (it imports only ``chainsight._errors`` and the standard
library), so the model, the reports, the web app and the CLI all say things the same way — and a report
or a CLI table never has to import the web app to format a number.

>>> from chainsight.present import Unit, format_value, label, negotiate_lang
>>> lang = negotiate_lang(explicit=None, env={"LANG": "zh_CN.UTF-8"})
>>> format_value(2537730, Unit.CNY, lang, compact=True), format_value(2537730, Unit.CNY, lang)
('¥253.8万', '¥2,537,730')
>>> label("site_type", "dc", lang), label("order_type", "purchase", "en")
('配送中心', 'purchase')
"""

from chainsight.present._format import (
    DASH,
    Unit,
    compact_number,
    format_change,
    format_date,
    format_date_range,
    format_datetime,
    format_month,
    format_number,
    format_pct_change,
    format_period,
    format_quarter,
    format_value,
    format_week,
    is_missing,
)
from chainsight.present._text import (
    DEFAULT_LANG,
    ENV_VARS,
    LANGS,
    Lang,
    Text,
    accept_language,
    negotiate_lang,
    parse_lang,
    zh_punctuation,
)
from chainsight.present._vocab import COLUMN_KINDS, DIMENSION_KINDS, KINDS, label, label_text, labels, yes_no

__all__ = [
    "COLUMN_KINDS",
    "DASH",
    "DEFAULT_LANG",
    "DIMENSION_KINDS",
    "ENV_VARS",
    "KINDS",
    "LANGS",
    "Lang",
    "Text",
    "Unit",
    "accept_language",
    "compact_number",
    "format_change",
    "format_date",
    "format_date_range",
    "format_datetime",
    "format_month",
    "format_number",
    "format_pct_change",
    "format_period",
    "format_quarter",
    "format_value",
    "format_week",
    "is_missing",
    "label",
    "label_text",
    "labels",
    "negotiate_lang",
    "parse_lang",
    "yes_no",
    "zh_punctuation",
]
