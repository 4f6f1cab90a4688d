"""Text and the reader's language: one negotiation, in its documented precedence."""

from __future__ import annotations

import pytest

from chainsight._errors import DefinitionError
from chainsight.present import Text, accept_language, negotiate_lang, parse_lang, zh_punctuation


def test_text_needs_both_languages() -> None:
    with pytest.raises(DefinitionError):
        Text("净销售额", "")
    with pytest.raises(DefinitionError):
        Text("", "Net sales")


def test_text_reads_in_either_language_and_formats_both() -> None:
    t = Text("{n} 个批次临期", "{n} lots near expiry").format(n=3)
    assert (t.get("zh"), t.get("zh-CN"), t.get("en"), t.get("fr")) == (
        "3 个批次临期",
        "3 个批次临期",
        "3 lots near expiry",
        "3 lots near expiry",
    )
    assert t.to_dict() == {"zh": "3 个批次临期", "en": "3 lots near expiry"}


def test_model_and_metrics_re_export_the_one_text_type() -> None:
    from chainsight import metrics, model, present

    assert model.Text is present.Text
    assert metrics.load_catalog().get("net_sales").label == Text("净销售额", "Net sales")


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"explicit": "zh", "user": "en", "cookie": "en", "accept": "en", "env": {"LANG": "en_US"}}, "zh"),
        ({"explicit": "en", "env": {"CHAINSIGHT_LANG": "zh"}}, "en"),
        ({"user": "zh", "cookie": "en", "accept": "en-US"}, "zh"),
        ({"cookie": "zh", "accept": "en-US,en"}, "zh"),
        ({"accept": "zh-CN,zh;q=0.9,en;q=0.8", "env": {"CHAINSIGHT_LANG": "en"}}, "zh"),
        ({"env": {"CHAINSIGHT_LANG": "zh", "LC_ALL": "en_US.UTF-8"}}, "zh"),
        ({"env": {"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}}, "zh"),
        ({"env": {"LC_MESSAGES": "en_GB", "LANG": "zh_CN.UTF-8"}}, "en"),
        ({"env": {"LANG": "zh_CN.UTF-8"}}, "zh"),
        ({"env": {"LC_ALL": "C.UTF-8", "LANG": "zh_TW.UTF-8"}}, "zh"),  # C names no language: passed over
        ({"explicit": "fr", "env": {"LANG": "zh_CN"}}, "zh"),  # neither is ours: the next source decides
        ({"accept": "fr-FR,de;q=0.9"}, "en"),
        ({}, "en"),
        ({"user": "", "cookie": "xx", "env": {}}, "en"),
    ],
)
def test_precedence(kwargs, expected) -> None:
    assert negotiate_lang(**kwargs) == expected


def test_the_server_locale_is_not_the_readers() -> None:
    """The web passes no env: a browser without Accept-Language reads English whatever the server's $LANG."""
    assert negotiate_lang(accept=None) == "en"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9,zh;q=0.5", "en"),
        ("en;q=0.5, zh;q=0.5", "en"),  # a tie goes to the one listed first
        ("fr;q=1, zh;q=0.2, en;q=0.1", "zh"),
        ("zh;q=bogus, en", "en"),
        ("", None),
        (None, None),
    ],
)
def test_accept_language(header, expected) -> None:
    assert accept_language(header) == expected


def test_parse_lang() -> None:
    assert [parse_lang(v) for v in ("zh", "ZH-hans", "zh_CN.UTF-8", "en", "en_US", "C", "", None)] == [
        "zh",
        "zh",
        "zh",
        "en",
        "en",
        None,
        None,
        None,
    ]


def test_the_web_negotiates_through_the_one_function() -> None:
    from chainsight.web import negotiate

    assert negotiate("zh-CN,zh;q=0.9") == "zh" and negotiate("fr") == "en" and negotiate(None) == "en"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("仅线上:3 个 SKU,占销售额 12.5%", "仅线上：3 个 SKU，占销售额 12.5%"),
        ("库存 1,234.5 件,12:30 更新", "库存 1,234.5 件，12:30 更新"),
        ("金额(元)", "金额（元）"),
        ("退款 (12.00)", "退款（12.00）"),  # follows Chinese text
        ("refund (12.00) 元", "refund (12.00) 元"),  # nothing Chinese inside or before it
        ("偏高; 需复核. 下周再看.", "偏高；需复核。下周再看。"),
        ("是否需要?", "是否需要？"),
        ("已是中文标点：好，的。", "已是中文标点：好，的。"),
        ("net_sales, online_share", "net_sales, online_share"),
    ],
)
def test_zh_punctuation(text, expected) -> None:
    assert zh_punctuation(text) == expected
