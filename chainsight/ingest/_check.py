"""Check a file against an entity the way a load would, without loading it.

Headers are matched as ``chainsight load`` matches them (case, spaces, a mapping's names), any
format and encoding a load reads, values parsed by the same rules and checked against the entity's
types, ranges, row checks, key and — given a warehouse — its master data. Nothing is written: the
caller gets the typed rows and every problem, and decides (a consensus demand plan is refused
whole when any row is bad).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from chainsight.ingest._load import _Pipeline, new_batch_id, q
from chainsight.ingest._mapping import Mapping
from chainsight.ingest._read import expected_headers, make_workdir, read_any
from chainsight.ingest._reasons import reason_texts
from chainsight.model import Entity
from chainsight.warehouse import Warehouse

# Nothing is loaded, so a missing reference has nothing to retry: the reason without the hint.
_NOT_IN_MASTER_DATA = ("“{0}” 在主数据 {1} 中不存在", "'{0}' does not exist in master data {1}")


@dataclass(frozen=True, slots=True)
class FileProblem:
    """One bad value: the row a person sees in the file, the entity's column, the raw value, the
    reason code (as in the rejects table) and the reason in both languages."""

    row: int
    column: str
    value: str | None
    code: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class CheckedFile:
    """A checked file: its rows without problems, typed as the entity's columns, in file order,
    and every problem found (row by row, then by column)."""

    path: str
    rows: pa.Table
    problems: tuple[FileProblem, ...]


def check_file(
    path: str | Path, entity: Entity, *, wh: Warehouse | None = None, mapping: Mapping | None = None
) -> CheckedFile:
    """Read ``path`` as ``entity`` and check every row; write nothing.

    With ``wh``, foreign keys must exist in its master data; without, they are not checked (an
    in-memory warehouse does the parsing).

    >>> import tempfile, pathlib
    >>> from chainsight.model import get_entity
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "ch.csv"
    >>> _ = f.write_text("channel_id,name,kind\\ntmall,天猫,online\\nka,KA,线下\\n", encoding="utf-8")
    >>> c = check_file(f, get_entity("channels"))
    >>> c.rows.column("channel_id").to_pylist(), [(p.row, p.column, p.code) for p in c.problems]
    (['tmall'], [(3, 'kind', 'not_allowed')])
    """
    p = Path(path)
    mapping = mapping or Mapping()
    own = wh is None
    target = Warehouse.open(":memory:") if wh is None else wh
    ent = entity
    if own:  # nothing to check references against
        ent = Entity(ent.name, ent.label, ent.description, ent.kind, ent.domain, ent.columns, ent.natural_key)
    pipe = _Pipeline(target, ent, new_batch_id(), mapping.formats)
    workdir = make_workdir()
    con = target.duckdb
    cols = ", ".join(q(c) for c in ent.column_names)
    try:
        with target.write_lock():
            raw = read_any(
                con, p, pipe.t("raw0"), mapping, expected_headers(list(ent.column_names), mapping), workdir
            )
            pipe.temp_tables.append(raw.table)
            pipe.add_part(str(p), raw, mapping.resolve(ent, raw.headers, str(p)), mapping.constants)
            pipe.validate(None)
            errors = pipe.collect_errors(pipe.typed)
            bad = con.execute(
                f'SELECT __idx, "column", code, detail, first_idx FROM {q(errors)} ORDER BY __idx, "column"'
            ).fetchall()
            problems: tuple[FileProblem, ...] = ()
            if bad:
                part = pipe.parts[0]
                want = sorted({int(b[0]) for b in bad})
                raw_rows = {
                    r[0]: r[1:]
                    for r in con.execute(
                        f"SELECT s.__idx, {', '.join(f's.{q(c)}' for c in ent.column_names)} "
                        f"FROM ({part.numbered_sql}) s SEMI JOIN (SELECT unnest($__want) AS i) w ON s.__idx = w.i",
                        {**part.params, "__want": want},
                    ).fetchall()
                }
                problems = _problems(ent, bad, raw_rows, raw.row_offset)
            rows = con.execute(
                f"SELECT {cols} FROM {q(pipe.typed)} t WHERE NOT EXISTS "
                f"(SELECT 1 FROM {q(errors)} e WHERE e.__idx = t.__idx) ORDER BY __idx"
            ).to_arrow_table()
    finally:
        pipe.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
        if own:
            target.close()
    return CheckedFile(str(p), rows, problems)


def _problems(
    ent: Entity, bad: list[tuple], raw_rows: dict[int, tuple], offset: int
) -> tuple[FileProblem, ...]:
    texts = reason_texts({c.code: (c.reason.zh, c.reason.en) for c in ent.checks})
    texts["unknown_reference"] = _NOT_IN_MASTER_DATA
    position = {c: i for i, c in enumerate(ent.column_names)}
    out = []
    for idx, col, code, detail, first_idx in bad:
        row = raw_rows.get(idx)
        value = row[position[col]] if row is not None and col in position else None
        value = None if value is None else str(value)
        extra = str(first_idx + offset) if first_idx is not None else (detail or "")
        zh, en = texts.get(code, (code, code))
        out.append(
            FileProblem(
                int(idx + offset),
                col,
                value,
                code,
                zh.format(value or "", extra),
                en.format(value or "", extra),
            )
        )
    return tuple(out)
