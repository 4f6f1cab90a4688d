"""Reject reason codes and their texts. ``{0}`` is the raw value, ``{1}`` the detail."""

from __future__ import annotations

REASONS: dict[str, tuple[str, str]] = {
    "missing_required": ("必填值为空", "required value is missing"),
    "bad_number": (
        "“{0}” 不是数字(应为如 1234.5、¥1,234.50、(12.00)、12%)",
        "'{0}' is not a number (expected e.g. 1234.5, ¥1,234.50, (12.00), 12%)",
    ),
    "bad_integer": ("“{0}” 不是整数", "'{0}' is not a whole number"),
    "bad_date": (
        "“{0}” 不是有效日期(应为如 2024-03-01、2024/3/1、2024年3月1日、20240301)",
        "'{0}' is not a valid date (expected e.g. 2024-03-01, 2024/3/1, 2024年3月1日, 20240301)",
    ),
    "bad_month": (
        "“{0}” 不是有效月份(应为如 2025-03、2025年3月)",
        "'{0}' is not a valid month (expected e.g. 2025-03)",
    ),
    "bad_timestamp": (
        "“{0}” 不是有效时间(应为如 2024-03-01 12:30:00)",
        "'{0}' is not a valid date-time (expected e.g. 2024-03-01 12:30:00)",
    ),
    "not_allowed": ("“{0}” 不是允许的值;允许:{1}", "'{0}' is not an allowed value; allowed: {1}"),
    "out_of_range": ("{0} 超出允许范围(应 {1})", "{0} is out of range (expected {1})"),
    "duplicate_key": (
        "业务主键重复:同一文件第 {1} 行已有相同主键,保留先出现的行",
        "duplicate key: row {1} of the same load has the same key; the first row is kept",
    ),
    "unknown_reference": (
        "“{0}” 在主数据 {1} 中不存在(请先加载主数据,再执行 chainsight rejects retry)",
        "'{0}' does not exist in master data {1} (load it first, then run chainsight rejects retry)",
    ),
}


def reason_texts(entity_checks: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """All reason texts: the generic ones plus each row check's own (its detail quotes both values)."""
    texts = dict(REASONS)
    for code, (zh, en) in entity_checks.items():
        texts[code] = (f"{zh}({{1}})", f"{en} ({{1}})")
    return texts
