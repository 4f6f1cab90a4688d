"""Mapping files: how a source file's headers map onto a canonical entity.

```yaml
columns: {doc_id: "单据编号", date: "业务日期"}   # canonical_name: "source header"
formats: {date: "%Y/%m/%d"}                       # optional strptime formats
sheet: "销售出库"                                 # Excel: sheet name or 0-based index
header_row: 3                                     # 1-based row holding the header
encoding: gbk                                     # normally detected
constants: {channel_id: tmall}                    # fixed values for absent columns
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from chainsight._errors import DefinitionError, MissingColumnsError
from chainsight.model import Entity, Text

_FORMAT_OK = re.compile(r"^[%A-Za-z0-9 /\-.:年月日时分秒T]+$")
_KNOWN_KEYS = {"columns", "formats", "sheet", "header_row", "encoding", "constants", "entity", "delimiter"}


def former_names(entity: Entity) -> dict[str, str]:
    """Former column name → current name, for the columns of ``entity`` that were renamed."""
    return {a: c.name for c in entity.columns for a in c.aliases}


def _renamed_note(entity: Entity, old: str, new: str, where_zh: str, where_en: str) -> Text:
    return Text(
        f"{where_zh}使用了旧列名 {old},已按 {new} 读取;请改为 {new}({entity.name})",
        f"{where_en} uses the former column name {old}, read as {new}; please rename it to {new} ({entity.name})",
    )


def normalise_header(name: str) -> str:
    """Headers match ignoring case, spaces, underscores and hyphens (and a UTF-8 BOM)."""
    return re.sub(r"[\s_\-\ufeff]+", "", str(name)).lower()


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    sheet: str | int | None = None
    header_row: int | None = None
    encoding: str | None = None
    delimiter: str | None = None
    constants: dict[str, str] = field(default_factory=dict)
    source: str | None = None

    @classmethod
    def from_yaml(cls, path: str | Path) -> Mapping:
        p = Path(path)
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DefinitionError("映射文件不存在", "mapping file does not exist", file=str(p)) from None
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise DefinitionError(
                f"映射文件不是有效的 YAML:{exc}", f"mapping file is not valid YAML: {exc}", file=str(p)
            ) from None
        return cls.from_dict(data or {}, source=str(p))

    @classmethod
    def from_dict(cls, data: Any, source: str | None = None) -> Mapping:
        def fail(fieldname: str, zh: str, en: str) -> DefinitionError:
            return DefinitionError(
                f"字段 {fieldname}: {zh}", f"field {fieldname}: {en}", file=source or "mapping"
            )

        if not isinstance(data, dict):
            raise fail("(root)", "映射必须是键值对象", "a mapping must be a key/value object")
        unknown = set(data) - _KNOWN_KEYS
        if unknown:
            raise fail(
                ", ".join(sorted(unknown)),
                f"未知字段,可用字段:{', '.join(sorted(_KNOWN_KEYS))}",
                f"unknown field; known fields: {', '.join(sorted(_KNOWN_KEYS))}",
            )
        for name in ("columns", "formats", "constants"):
            value = data.get(name) or {}
            if not isinstance(value, dict):
                raise fail(name, "必须是 键: 值 对象", "must be a key: value object")
        formats = {str(k): str(v) for k, v in (data.get("formats") or {}).items()}
        for k, v in formats.items():
            if not _FORMAT_OK.match(v):
                raise fail(
                    f"formats.{k}",
                    f"格式 “{v}” 含不允许的字符",
                    f"format '{v}' contains characters not allowed",
                )
        header_row = data.get("header_row")
        if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
            raise fail("header_row", "必须是从 1 开始的行号", "must be a row number starting at 1")
        sheet = data.get("sheet")
        if sheet is not None and not isinstance(sheet, str | int):
            raise fail("sheet", "必须是工作表名称或从 0 开始的序号", "must be a sheet name or 0-based index")
        return cls(
            columns={str(k): str(v) for k, v in (data.get("columns") or {}).items()},
            formats=formats,
            sheet=sheet,
            header_row=header_row,
            encoding=data.get("encoding"),
            delimiter=data.get("delimiter"),
            constants={str(k): "" if v is None else str(v) for k, v in (data.get("constants") or {}).items()},
            source=source,
        )

    def for_entity(self, entity: Entity) -> tuple[Mapping, list[Text]]:
        """This mapping with a column's former name (``Column.aliases``) replaced by its current one,
        and a deprecation note per former name used; then validated for ``entity``."""
        renamed = former_names(entity)
        used = sorted(
            {k for part in (self.columns, self.formats, self.constants) for k in part if k in renamed}
        )
        out = self
        if used:
            out = replace(
                self,
                columns={renamed.get(k, k): v for k, v in self.columns.items()},
                formats={renamed.get(k, k): v for k, v in self.formats.items()},
                constants={renamed.get(k, k): v for k, v in self.constants.items()},
            )
        out.validate_for(entity)
        return out, [_renamed_note(entity, k, renamed[k], "映射", "the mapping") for k in used]

    def header_notes(self, entity: Entity, headers: list[str], file: str) -> list[Text]:
        """A deprecation note per header matched by a column's former name (see :meth:`resolve`)."""
        renamed = former_names(entity)
        notes = []
        present = {normalise_header(h) for h in headers}
        for old, new in renamed.items():
            if (
                new not in self.columns
                and normalise_header(new) not in present
                and normalise_header(old) in present
            ):
                notes.append(_renamed_note(entity, old, new, f"文件 {file} 的列名", f"the header of {file}"))
        return notes

    def validate_for(self, entity: Entity) -> None:
        known = set(entity.column_names)
        for section, names in (
            ("columns", self.columns),
            ("formats", self.formats),
            ("constants", self.constants),
        ):
            for name in names:
                if name not in known:
                    raise DefinitionError(
                        f"字段 {section}.{name}: 实体 {entity.name} 没有这一列;可用列:{', '.join(entity.column_names)}",
                        f"field {section}.{name}: entity {entity.name} has no such column; "
                        f"columns: {', '.join(entity.column_names)}",
                        file=self.source or "mapping",
                    )

    def resolve(self, entity: Entity, headers: list[str], file: str) -> dict[str, str]:
        """Map canonical column → source header present in ``headers``.

        Raises MissingColumnsError naming every required column that neither the
        file nor a constant provides, and the headers that were found.
        """
        self.validate_for(entity)
        by_norm: dict[str, str] = {}
        for h in headers:
            by_norm.setdefault(normalise_header(h), h)
        resolved: dict[str, str] = {}
        missing_mapped: list[str] = []
        for col in entity.column_names:
            if col in self.constants:
                continue
            if col in self.columns:
                src = self.columns[col]
                if src in headers:
                    resolved[col] = src
                elif normalise_header(src) in by_norm:
                    resolved[col] = by_norm[normalise_header(src)]
                else:
                    missing_mapped.append(f"{col} ← “{src}”")
                continue
            for name in (col, *entity.column(col).aliases):  # then a former name (deprecated)
                if normalise_header(name) in by_norm:
                    resolved[col] = by_norm[normalise_header(name)]
                    break
        missing = [c for c in entity.required_columns if c not in resolved and c not in self.constants]
        if missing or missing_mapped:
            shown = ", ".join(str(h) for h in headers[:30])
            parts = missing_mapped + [
                c for c in missing if not any(m.startswith(c + " ") for m in missing_mapped)
            ]
            raise MissingColumnsError(
                f"缺少必需列:{', '.join(parts)}。文件中的列:{shown}",
                f"missing required columns: {', '.join(parts)}. Columns in the file: {shown}",
                file=file,
                missing=parts,
            )
        return resolved

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "formats": self.formats,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "constants": self.constants,
        }
