"""Vectorised value parsing as DuckDB SQL expressions.

Every builder takes the SQL of an (already quoted) column and returns the SQL of
an expression; no user value ever becomes SQL text. User-supplied strptime
formats travel as named parameters (``$fmt_<column>``). Each parser tries a plain
cast first and runs the slower normalisation only where that fails (DuckDB's
COALESCE and CASE evaluate lazily per vector).
"""

from __future__ import annotations

MISSING_TOKENS = ("", "null", "-", "/", "n/a", "na", "#n/a", "none", "nan", "--", "—", "－", "\\n")
_WS = " \t\r\n\u3000\u00a0"
_FULL = "０１２３４５６７８９．，－＋（）％￥：／　"
_HALF = "0123456789.,-+()%¥:/ "


def _lit(text: str) -> str:
    """SQL string literal of one of *our* constants (never user input)."""
    return "'" + text.replace("'", "''") + "'"


def normalised(col: str) -> str:
    """Trimmed text, or NULL for the tokens exports use for missing values."""
    tokens = ", ".join(_lit(t) for t in MISSING_TOKENS)
    return (
        f"CASE WHEN lower(trim({col}, {_lit(_WS)})) IN ({tokens}) THEN NULL ELSE trim({col}, {_lit(_WS)}) END"
    )


def _halfwidth(col: str) -> str:
    return f"translate({col}, {_lit(_FULL)}, {_lit(_HALF)})"


def number(col: str) -> str:
    """1,234.50 · ¥1,234.50 · -1,234.50 · (1,234.50) → -1234.5 · 12% → 0.12 · full-width digits."""
    cleaned = f"regexp_replace({_halfwidth(col)}, '[\\s,¥$]|RMB|CNY|元', '', 'g')"
    signed = f"regexp_replace({cleaned}, '^\\((.*)\\)$', '-\\1')"
    slow = (
        f"(CASE WHEN suffix({signed}, '%') THEN TRY_CAST(rtrim({signed}, '%') AS DOUBLE) / 100 "
        f"ELSE TRY_CAST({signed} AS DOUBLE) END)"
    )
    value = f"COALESCE(TRY_CAST({col} AS DOUBLE), {slow})"
    return f"(CASE WHEN isfinite({value}) THEN {value} END)"


def integer(col: str) -> str:
    value = number(col)
    return f"(CASE WHEN {value} = round({value}) AND abs({value}) < 9e18 THEN CAST({value} AS BIGINT) END)"


def _date_text(col: str) -> str:
    """2024年3月1日 / 2024.3.1 / 2024/3/1 → 2024-3-1 (time part kept)."""
    half = _halfwidth(col)
    return (
        f"regexp_replace(replace(replace(replace({half}, '年', '-'), '月', '-'), '日', ' '), "
        f"'^(\\d{{4}})[./](\\d{{1,2}})[./]?(\\d{{0,2}})', '\\1-\\2-\\3')"
    )


def _excel_serial_date(col: str) -> str:
    # Excel's day 0 is 1899-12-30 (it counts 1900 as a leap year); accept 1927–2173 only.
    return (
        f"(CASE WHEN regexp_full_match({col}, '\\d{{5}}(\\.\\d+)?') "
        f"THEN DATE '1899-12-30' + CAST(floor(CAST({col} AS DOUBLE)) AS INTEGER) END)"
    )


def date(col: str, fmt_param: str | None = None) -> str:
    custom = f"TRY_CAST(try_strptime({col}, ${fmt_param}) AS DATE), " if fmt_param else ""
    return (
        f"COALESCE({custom}TRY_CAST({col} AS DATE), "
        f"CASE WHEN regexp_full_match({col}, '\\d{{8}}') THEN TRY_CAST(try_strptime({col}, '%Y%m%d') AS DATE) "
        f"ELSE COALESCE({_excel_serial_date(col)}, TRY_CAST(trim({_date_text(col)}) AS DATE)) END)"
    )


def month(col: str, fmt_param: str | None = None) -> str:
    """A date, or a month alone: 2025-03, 2025/3, 2025年3月, 202503 → first day of that month."""
    text = f"trim(regexp_replace({_date_text(col)}, '-$', ''))"
    month_only = (
        f"CASE WHEN regexp_full_match({text}, '\\d{{4}}-\\d{{1,2}}') THEN TRY_CAST({text} || '-1' AS DATE) "
        f"WHEN regexp_full_match({col}, '\\d{{6}}') THEN TRY_CAST(try_strptime({col}, '%Y%m') AS DATE) END"
    )
    return f"CAST(date_trunc('month', COALESCE({month_only}, {date(col, fmt_param)})) AS DATE)"


def timestamp(col: str, fmt_param: str | None = None) -> str:
    custom = f"try_strptime({col}, ${fmt_param}), " if fmt_param else ""
    serial = (
        f"(CASE WHEN regexp_full_match({col}, '\\d{{5}}(\\.\\d+)?') THEN TIMESTAMP '1899-12-30' + "
        f"to_microseconds(CAST(round(CAST({col} AS DOUBLE) * 86400000000) AS BIGINT)) END)"
    )
    return (
        f"COALESCE({custom}TRY_CAST({col} AS TIMESTAMP), "
        f"CASE WHEN regexp_full_match({col}, '\\d{{14}}') THEN try_strptime({col}, '%Y%m%d%H%M%S') "
        f"WHEN regexp_full_match({col}, '\\d{{8}}') THEN try_strptime({col}, '%Y%m%d') "
        f"ELSE COALESCE({serial}, TRY_CAST(trim({_date_text(col)}) AS TIMESTAMP)) END)"
    )
