"""The organisational checklist: sponsor, data owners, trained users, budget — answers stored and scored."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from chainsight._errors import UserInputError
from chainsight.appdb import AppDB, AuditRow, ReadinessAnswerRow, utcnow
from chainsight.model import Text
from chainsight.readiness._check import DOMAINS

TRAINED_TARGET_PCT = 80.0  # full marks when 80% of front-line users are trained


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    kind: str  # person | yes_no | percent
    weight: float
    label: Text
    hint: Text


def _questions() -> tuple[Question, ...]:
    per_owner = 25.0 / len(DOMAINS)
    owners = tuple(
        Question(
            f"data_owner.{d.key}",
            "person",
            per_owner,
            Text(f"{d.label.zh}的数据负责人", f"Data owner for {d.label.en.lower()}"),
            Text(
                "负责该域数据按时、准确导出的人(姓名)",
                "who makes sure this domain's exports arrive on time and right (a name)",
            ),
        )
        for d in DOMAINS
    )
    return (
        Question(
            "executive_sponsor",
            "person",
            25.0,
            Text("高管发起人", "Executive sponsor"),
            Text("为项目负责并能拍板的高管(姓名)", "the executive who owns the project and decides (a name)"),
        ),
        *owners,
        Question(
            "trained_users",
            "percent",
            25.0,
            Text("一线用户培训比例", "Front-line users trained"),
            Text(
                f"已培训的一线用户占比(0–100,{TRAINED_TARGET_PCT:.0f}% 及以上满分)",
                f"share of front-line users trained (0–100; full marks at {TRAINED_TARGET_PCT:.0f}%)",
            ),
        ),
        Question(
            "budget",
            "yes_no",
            25.0,
            Text("预算已批准", "Budget approved"),
            Text("yes / no", "yes / no"),
        ),
    )


QUESTIONS: tuple[Question, ...] = _questions()
_BY_KEY = {q.key: q for q in QUESTIONS}
_YES = {"yes", "y", "true", "1", "是", "有", "已批准", "approved"}
_NO = {"no", "n", "false", "0", "否", "无", "没有", "未批准"}


def normalise_answer(key: str, value: str) -> str:
    """Validate an answer for ``key`` and return it as stored (names trimmed, yes/no, a percentage number)."""
    q = _BY_KEY.get(key)
    if q is None:
        known = ", ".join(_BY_KEY)
        raise UserInputError(
            f"未知检查项 “{key}”;可用:{known}", f"unknown checklist item '{key}'; items: {known}", key=key
        )
    text = str(value).strip()
    if q.kind == "person":
        return text  # empty clears it
    if q.kind == "yes_no":
        low = text.lower()
        if low in _YES:
            return "yes"
        if low in _NO or not low:
            return "no"
        raise UserInputError(
            f"{key} 的回答须为 yes 或 no,收到 “{value}”",
            f"{key} takes yes or no, got '{value}'",
            key=key,
            value=value,
        )
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*%?", text)
    if not m or not 0 <= float(m.group(1)) <= 100:
        raise UserInputError(
            f"{key} 的回答须为 0–100 的百分比,收到 “{value}”",
            f"{key} takes a percentage from 0 to 100, got '{value}'",
            key=key,
            value=value,
        )
    return f"{float(m.group(1)):g}"


def _credit(q: Question, value: str | None) -> float:
    if not value:
        return 0.0
    if q.kind == "person":
        return 1.0
    if q.kind == "yes_no":
        return 1.0 if value == "yes" else 0.0
    return min(float(value) / TRAINED_TARGET_PCT, 1.0)


class Checklist:
    """Answers of the organisational checklist in the app database."""

    def __init__(self, appdb: AppDB) -> None:
        self._session = sessionmaker(appdb.engine, expire_on_commit=False)

    def answer(self, key: str, value: str, *, actor: str = "cli") -> str:
        """Store (or with an empty person name, clear) one answer; audited. Returns the stored value."""
        stored = normalise_answer(key, value)
        with self._session.begin() as s:
            row = s.get(ReadinessAnswerRow, key)
            if row is None:
                s.add(ReadinessAnswerRow(key=key, value=stored, updated_by=actor))
            else:
                row.value, row.updated_at, row.updated_by = stored, utcnow(), actor
            s.add(AuditRow(actor=actor, action="readiness_answer", target=key, detail=stored))
        return stored

    def answers(self) -> dict[str, dict[str, Any]]:
        with self._session() as s:
            return {
                r.key: {
                    "value": r.value,
                    "updated_at": r.updated_at.isoformat(timespec="seconds"),
                    "by": r.updated_by,
                }
                for r in s.scalars(select(ReadinessAnswerRow))
            }

    def report(self) -> dict[str, Any]:
        """Each item with its answer, credit and points, and the 0–100 organisational score."""
        got = self.answers()
        items: list[dict[str, Any]] = []
        for q in QUESTIONS:
            a = got.get(q.key)
            credit = _credit(q, a["value"] if a else None)
            items.append(
                {
                    "key": q.key,
                    "kind": q.kind,
                    "label_zh": q.label.zh,
                    "label_en": q.label.en,
                    "hint_zh": q.hint.zh,
                    "hint_en": q.hint.en,
                    "answer": a["value"] if a else None,
                    "updated_at": a["updated_at"] if a else None,
                    "weight": round(q.weight, 2),
                    "points": round(q.weight * credit, 2),
                    "met": credit >= 1.0,
                }
            )
        return {"items": items, "score": round(sum(i["points"] for i in items))}
