"""Vectorised value parsing as DuckDB SQL expressions.

Every builder takes the SQL of an (already quoted) column and returns the SQL of
an expression; no user value ever becomes SQL text. User-supplied strptime
formats travel as named parameters (``$fmt_<n>``).

Parsing is split into a *fast* expression (a plain cast that handles the common
case) and a *slow* one (normalisation for Chinese export formats). The loader
evaluates them in separate projection levels joined by ``CASE`` — which DuckDB
evaluates lazily, unlike ``COALESCE`` — so clean files never pay for the slow path.
"""

from __future__ import annotations

from chainsight.model import ColumnType

MISSING_TOKENS = ("", "null", "-", "/", "n/a", "na", "#n/a", "none", "nan", "--", "—", "－", "\\n")
_WS = " \t\u3000\u00a0"
_FULL = "０１２３４５６７８９．，－＋（）％￥：／　"
_HALF = "0123456789.,-+()%¥:/ "


def _lit(text: str) -> str:
    """SQL string literal of one of *our* constants (never user input)."""
    return "'" + text.replace("'", "''") + "'"


# --------------------------------------------------------------------------- text
def trimmed(col: str) -> str:
    """Strip spaces, tabs, full-width and non-breaking spaces; cheap LIKE tests skip clean values."""
    padded = " OR ".join(f"{col} LIKE {_lit(ch + '%')} OR {col} LIKE {_lit('%' + ch)}" for ch in _WS)
    return f"CASE WHEN {padded} THEN trim({col}, {_lit(_WS + chr(13) + chr(10))}) ELSE {col} END"


def missing_as_null(col: str) -> str:
    """NULL for the tokens exports use for a missing value (empty, NULL, -, /, N/A ...)."""
    tokens = ", ".join(_lit(t) for t in MISSING_TOKENS)
    return f"CASE WHEN length({col}) <= 4 AND lower({col}) IN ({tokens}) THEN NULL ELSE {col} END"


def normalised(col: str) -> str:
    """Both steps in one expression (for tests and small inputs)."""
    return missing_as_null(f"({trimmed(col)})")


def _halfwidth(col: str) -> str:
    return f"translate({col}, {_lit(_FULL)}, {_lit(_HALF)})"


# --------------------------------------------------------------------------- numbers
def number_slow(col: str) -> str:
    """1,234.50 · ¥1,234.50 · -1,234.50 · (1,234.50) → -1234.5 · 12% → 0.12 · full-width digits.

    Garbage stays garbage: a currency sign counts only before the number (元 after it),
    and a comma or a space between digits only where it groups thousands — ``1,5``,
    ``12 34``, ``1¥2`` and ``5%%`` are not numbers rather than silently 15, 1234, 12, 0.05.
    """
    prefixed = f"regexp_replace({_halfwidth(col)}, '^([-+(]?)\\s*(¥|\\$|RMB|CNY)', '\\1')"
    suffixed = f"regexp_replace({prefixed}, '\\s*(元|RMB|CNY)$', '')"
    spaced = f"regexp_replace({suffixed}, '(\\d)\\s+(\\d)', '\\1,\\2', 'g')"
    bare = f"replace({spaced}, ' ', '')"
    cleaned = (
        f"(CASE WHEN strpos({bare}, ',') = 0 "
        f"OR regexp_full_match({bare}, '[^0-9,]*[0-9]{{1,3}}(,[0-9]{{3}})+(\\.[0-9]*)?[^0-9,]*') "
        f"THEN replace({bare}, ',', '') END)"
    )
    signed = f"regexp_replace({cleaned}, '^\\((.*)\\)$', '-\\1')"
    return (
        f"(CASE WHEN suffix({signed}, '%') THEN TRY_CAST(left({signed}, -1) AS DOUBLE) / 100 "
        f"ELSE TRY_CAST({signed} AS DOUBLE) END)"
    )


def finite(value_col: str) -> str:
    return f"(CASE WHEN isfinite({value_col}) THEN {value_col} END)"


def integer(value_col: str) -> str:
    """From a parsed number column: the whole number, or NULL when it has a fraction."""
    return (
        f"(CASE WHEN {value_col} = round({value_col}) AND abs({value_col}) < 9e18 "
        f"THEN CAST({value_col} AS BIGINT) END)"
    )


# --------------------------------------------------------------------------- dates
def _date_text(col: str) -> str:
    """2024年3月1日 / 2024.3.1 / 2024/3/1 → 2024-3-1 (time part kept)."""
    half = _halfwidth(col)
    return (
        f"regexp_replace(replace(replace(replace({half}, '年', '-'), '月', '-'), '日', ' '), "
        f"'^(\\d{{4}})[./](\\d{{1,2}})[./]?(\\d{{0,2}})', '\\1-\\2-\\3')"
    )


def _excel_serial_date(col: str) -> str:
    # Excel's day 0 is 1899-12-30 (it counts 1900 as a leap year); 5 digits = 1927–2173.
    return (
        f"(CASE WHEN regexp_full_match({col}, '\\d{{5}}(\\.\\d+)?') "
        f"THEN DATE '1899-12-30' + CAST(floor(CAST({col} AS DOUBLE)) AS INTEGER) END)"
    )


def date_slow(col: str) -> str:
    return (
        f"(CASE WHEN regexp_full_match({col}, '\\d{{8}}') THEN TRY_CAST(try_strptime({col}, '%Y%m%d') AS DATE) "
        f"ELSE COALESCE({_excel_serial_date(col)}, TRY_CAST(trim({_date_text(col)}) AS DATE)) END)"
    )


def month_slow(col: str) -> str:
    """A month alone — 2025-03, 2025/3, 2025年3月, 202503 — or any date."""
    text = f"trim(regexp_replace({_date_text(col)}, '-\\s*$', ''))"
    return (
        f"(CASE WHEN regexp_full_match({text}, '\\d{{4}}-\\d{{1,2}}') THEN TRY_CAST({text} || '-1' AS DATE) "
        f"WHEN regexp_full_match({col}, '\\d{{6}}') THEN TRY_CAST(try_strptime({col}, '%Y%m') AS DATE) "
        f"ELSE {date_slow(col)} END)"
    )


def timestamp_slow(col: str) -> str:
    serial = (
        f"(CASE WHEN regexp_full_match({col}, '\\d{{5}}(\\.\\d+)?') THEN TIMESTAMP '1899-12-30' + "
        f"to_microseconds(CAST(round(CAST({col} AS DOUBLE) * 86400000000) AS BIGINT)) END)"
    )
    return (
        f"(CASE WHEN regexp_full_match({col}, '\\d{{14}}') THEN try_strptime({col}, '%Y%m%d%H%M%S') "
        f"WHEN regexp_full_match({col}, '\\d{{8}}') THEN try_strptime({col}, '%Y%m%d') "
        f"ELSE COALESCE({serial}, TRY_CAST(trim({_date_text(col)}) AS TIMESTAMP)) END)"
    )


# --------------------------------------------------------------------------- per type
def fast(col: str, type_: ColumnType, fmt_param: str | None = None) -> str:
    """The plain cast for the common case (and a user's strptime format first, when given)."""
    match type_:
        case ColumnType.NUMBER | ColumnType.INTEGER:
            return f"TRY_CAST({col} AS DOUBLE)"
        case ColumnType.DATE | ColumnType.MONTH:
            cast = f"TRY_CAST({col} AS DATE)"
            return (
                f"COALESCE(TRY_CAST(try_strptime({col}, ${fmt_param}) AS DATE), {cast})"
                if fmt_param
                else cast
            )
        case ColumnType.TIMESTAMP:
            cast = f"TRY_CAST({col} AS TIMESTAMP)"
            return f"COALESCE(try_strptime({col}, ${fmt_param}), {cast})" if fmt_param else cast
    return col


def slow(col: str, type_: ColumnType) -> str:
    match type_:
        case ColumnType.NUMBER | ColumnType.INTEGER:
            return number_slow(col)
        case ColumnType.DATE:
            return date_slow(col)
        case ColumnType.MONTH:
            return month_slow(col)
        case ColumnType.TIMESTAMP:
            return timestamp_slow(col)
    return col


def final(value_col: str, type_: ColumnType) -> str:
    match type_:
        case ColumnType.NUMBER:
            return finite(value_col)
        case ColumnType.INTEGER:
            return integer(finite(value_col))
        case ColumnType.MONTH:
            return f"CAST(date_trunc('month', {finite(value_col)}) AS DATE)"
        case ColumnType.DATE | ColumnType.TIMESTAMP:
            # DuckDB casts the words 'infinity' and 'inf' to dates; no export means that.
            return finite(value_col)
    return value_col


def parse_value(col: str, type_: ColumnType, fmt_param: str | None = None) -> str:
    """Whole parse in one expression (fast, then slow, then final) — for tests and small inputs."""
    f = fast(col, type_, fmt_param)
    return final(f"(CASE WHEN {f} IS NOT NULL THEN {f} ELSE {slow(col, type_)} END)", type_)
