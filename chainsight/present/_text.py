"""Bilingual text and the reader's language: one :class:`Text` type and one negotiation function."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from chainsight._errors import DefinitionError

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "en"


@dataclass(frozen=True, slots=True)
class Text:
    """A text a person reads, in both languages (both required).

    >>> t = Text("净销售额", "Net sales")
    >>> t.get("zh"), t.get("en-GB"), t.to_dict()
    ('净销售额', 'Net sales', {'zh': '净销售额', 'en': 'Net sales'})
    >>> Text("{n} 个批次", "{n} lots").format(n=3).get("zh")
    '3 个批次'
    """

    zh: str
    en: str

    def __post_init__(self) -> None:
        if not self.zh or not self.en:
            raise DefinitionError(
                "文本必须同时有中文和英文", "text needs both zh and en", value=(self.zh, self.en)
            )

    def get(self, lang: str) -> str:
        """The text in ``lang`` (any tag starting with ``zh`` reads Chinese, anything else English)."""
        return self.zh if lang.startswith("zh") else self.en

    def format(self, **values: Any) -> Text:
        """Both languages with ``str.format`` fields filled in (the same values in each)."""
        return Text(self.zh.format(**values), self.en.format(**values))

    def to_dict(self) -> dict[str, str]:
        """``{"zh": ..., "en": ...}``: the wire shape of a bilingual text in JSON."""
        return {"zh": self.zh, "en": self.en}


def parse_lang(value: str | None) -> Lang | None:
    """The language a tag or locale names, or None when it names neither of ours.

    >>> parse_lang("zh_CN.UTF-8"), parse_lang("en-US"), parse_lang("C.UTF-8"), parse_lang(None)
    ('zh', 'en', None, None)
    """
    tag = (value or "").strip().lower()
    if tag.startswith("zh"):
        return "zh"
    if tag.startswith("en"):
        return "en"
    return None


def accept_language(header: str | None) -> Lang | None:
    """The language a browser's ``Accept-Language`` prefers among ours (by q, then order), or None.

    >>> accept_language("zh-CN,zh;q=0.9,en;q=0.8"), accept_language("en-US,en;q=0.9,zh;q=0.5")
    ('zh', 'en')
    >>> accept_language("fr-FR,de;q=0.8"), accept_language("fr, zh;q=0.1"), accept_language(None)
    (None, 'zh', None)
    """
    best: Lang | None = None
    best_q = 0.0
    for i, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        lang = parse_lang(tag)
        if lang is None:
            continue
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        q -= i * 1e-6  # earlier tags win ties: browsers list them by preference
        if q > best_q:
            best, best_q = lang, q
    return best


# POSIX: LC_ALL overrides LC_MESSAGES, which overrides LANG; CHAINSIGHT_LANG overrides them all.
ENV_VARS = ("CHAINSIGHT_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


def negotiate_lang(
    *,
    explicit: str | None = None,
    user: str | None = None,
    cookie: str | None = None,
    accept: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Lang:
    """The reader's language: the first of these sources that names zh or en, in this order.

    1. ``explicit`` — what was asked for this once: the CLI's ``--lang``, the web's ``?lang=``;
    2. ``user`` — the signed-in user's stored setting;
    3. ``cookie`` — the language chosen on this browser (before or without signing in);
    4. ``accept`` — the browser's ``Accept-Language`` header;
    5. ``env`` — ``CHAINSIGHT_LANG``, then the POSIX locale ``LC_ALL``, ``LC_MESSAGES``, ``LANG``;
    6. English.

    A source naming another language (``fr``, ``C.UTF-8``) is passed over, not taken as English.
    The CLI passes ``explicit`` and ``os.environ``; the web passes the first four and no ``env``:
    the server's locale is not the reader's.

    >>> negotiate_lang(explicit="zh")
    'zh'
    >>> negotiate_lang(user="en", cookie="zh", accept="zh-CN")
    'en'
    >>> negotiate_lang(accept="zh-CN,zh;q=0.9", env={"LANG": "en_US.UTF-8"})
    'zh'
    >>> negotiate_lang(env={"CHAINSIGHT_LANG": "", "LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"})
    'zh'
    >>> negotiate_lang()
    'en'
    """
    for value in (explicit, user, cookie):
        lang = parse_lang(value)
        if lang is not None:
            return lang
    lang = accept_language(accept)
    if lang is not None:
        return lang
    for var in ENV_VARS if env is not None else ():
        lang = parse_lang((env or {}).get(var))
        if lang is not None:
            return lang
    return DEFAULT_LANG


_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_HAS_CJK = re.compile(f"[{_CJK}]")
_PAREN = re.compile(r"\(([^()]*)\)")
# , : ; between words: converted when a CJK character stands on either side (spaces skipped);
# kept between two digits (1,234 · 12:30) and elsewhere (a code list "a, b" in an English phrase).
_MARK = re.compile(rf"(?<=[{_CJK}])\s*([,:;!?])\s*|\s*([,:;!?])\s*(?=[{_CJK}])")
_STOP = re.compile(
    rf"(?<=[{_CJK}])\.(?:\s+(?=[{_CJK}])|(?=\s|$))"
)  # a sentence's full stop, never a decimal point
_FULL = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}


def zh_punctuation(text: str) -> str:
    """Half-width punctuation in a Chinese sentence made full-width, as Chinese typography wants.

    Only marks touching Chinese text change: numbers (1,234.5 · 12:30 · (12.00)) and code lists keep
    theirs. Parentheses become full-width when they hold or follow Chinese text.

    >>> zh_punctuation("仅线上:3 个 SKU,占销售额 12.5%(去年 1,234 元)")
    '仅线上：3 个 SKU，占销售额 12.5%（去年 1,234 元）'
    >>> zh_punctuation("浙江省 (华东); 12:30")
    '浙江省（华东）；12:30'
    >>> zh_punctuation("渠道库存偏高. 共 1.5 万件.")
    '渠道库存偏高。共 1.5 万件。'
    """

    def paren(m: re.Match[str]) -> str:
        before = text[: m.start()].rstrip()[-1:]
        inner = m.group(1)
        if _HAS_CJK.search(inner) or _HAS_CJK.match(before or " "):
            return f"（{inner}）"
        return m.group(0)

    out = _PAREN.sub(paren, text)
    out = re.sub(rf"(?<=[{_CJK}])\s+（", "（", out)
    out = re.sub(rf"）\s+(?=[{_CJK}])", "）", out)
    out = _MARK.sub(lambda m: _FULL[m.group(1) or m.group(2)], out)
    return _STOP.sub("。", out)
