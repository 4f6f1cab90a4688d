"""The load pipeline: read → stage → type & validate → merge, in one transaction.

Everything row-wise happens inside DuckDB as set operations; Python only builds
the statements (identifiers quoted, every user value passed as a parameter).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from chainsight.ingest import _parse
from chainsight.ingest._mapping import Mapping
from chainsight.ingest._read import RawFile, expected_headers, make_workdir, read_any
from chainsight.ingest._reasons import reason_texts
from chainsight.model import ColumnType, Entity, get_entity
from chainsight.warehouse import LOAD_HISTORY, REJECTS, Warehouse, history_table

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): stages are read, validate, merge."""

_BAD_CODE = {
    ColumnType.NUMBER: "bad_number",
    ColumnType.INTEGER: "bad_integer",
    ColumnType.DATE: "bad_date",
    ColumnType.MONTH: "bad_month",
    ColumnType.TIMESTAMP: "bad_timestamp",
}
_NEGATE = {"<=": ">", ">=": "<", "<": ">=", ">": "<="}


@dataclass
class LoadResult:
    """What one load did. ``rows_read = loaded + updated + duplicate + rejected``."""

    entity: str
    files: list[str]
    rows_read: int = 0
    rows_loaded: int = 0
    rows_updated: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0
    batch_id: str = ""
    encodings: list[str | None] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("encodings")
        return data


def q(name: str) -> str:
    """Quote an identifier."""
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    """A literal of one of our own constants (entity specs), never of user input."""
    return "'" + text.replace("'", "''") + "'"


def new_batch_id() -> str:
    return dt.datetime.now().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def file_checksum(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for p in paths:
        with p.open("rb") as fh:
            while chunk := fh.read(1 << 22):
                digest.update(chunk)
    return digest.hexdigest()


class _Pipeline:
    def __init__(self, wh: Warehouse, entity: Entity, batch_id: str, formats: dict[str, str]) -> None:
        self.wh = wh
        self.con: duckdb.DuckDBPyConnection = wh.duckdb
        self.entity = entity
        self.batch_id = batch_id
        self.formats = formats
        self.prefix = f"_cs_tmp_{batch_id.replace('-', '_')}"
        self.temp_tables: list[str] = []
        self.temp_views: list[str] = []

    def t(self, name: str) -> str:
        return f"{self.prefix}_{name}"

    def temp_table(self, name: str, select_sql: str, params: Any = None) -> str:
        full = self.t(name)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {q(full)} AS {select_sql}", params or [])
        self.temp_tables.append(full)
        return full

    def cleanup(self) -> None:
        for v in self.temp_views:
            self.con.execute(f"DROP VIEW IF EXISTS {q(v)}")
        for t in self.temp_tables:
            self.con.execute(f"DROP TABLE IF EXISTS {q(t)}")

    # ---------------------------------------------------------------- staging
    def stage(
        self, parts: list[tuple[int, RawFile | str, dict[str, str], dict[str, str]]], files: list[str]
    ) -> str:
        """Union the raw tables into one view of canonical VARCHAR columns.

        parts: (file index, raw file or a ready SELECT, column → source header, constants).
        """
        selects = []
        for index, raw, resolved, constants in parts:
            const_table = None
            if constants:
                names = list(constants)
                const_table = self.temp_table(
                    f"const{index}",
                    "SELECT " + ", ".join(f"CAST(? AS VARCHAR) AS {q(n)}" for n in names),
                    [constants[n] for n in names],
                )
            cols = []
            for c in self.entity.column_names:
                if c in constants:
                    cols.append(f"k.{q(c)} AS {q(c)}")
                elif c in resolved:
                    cols.append(f"CAST(r.{q(resolved[c])} AS VARCHAR) AS {q(c)}")
                else:
                    cols.append(f"CAST(NULL AS VARCHAR) AS {q(c)}")
            if isinstance(raw, RawFile):
                source = f"(SELECT rowid + {int(raw.row_offset)} AS __row, * FROM {q(raw.table)}) r"
            else:
                source = f"({raw}) r"
            join = f" CROSS JOIN {q(const_table)} k" if const_table else ""
            selects.append(
                f"SELECT {int(index)} AS __file, r.__row AS __row, {', '.join(cols)} FROM {source}{join}"
            )
        view = self.t("stage")
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {q(view)} AS " + " UNION ALL ".join(selects))
        self.temp_views.append(view)
        self.temp_table(
            "files",
            "SELECT * FROM (SELECT unnest(?::INTEGER[]) AS __file, unnest(?::VARCHAR[]) AS name)",
            [list(range(len(files))), files],
        )
        return view

    # ---------------------------------------------------------------- typing and row checks
    def type_and_check(self, stage: str) -> tuple[str, dict[str, Any]]:
        ent = self.entity
        params: dict[str, Any] = {}
        norm_cols, parse_cols, out_cols, conditions = [], [], [], []
        for c in ent.columns:
            n, v = q("n_" + c.name), q("v_" + c.name)
            norm_cols.append(f"{_parse.normalised(q(c.name))} AS {n}")
            fmt_param = None
            if c.name in self.formats:
                fmt_param = f"fmt_{len(params)}"
                params[fmt_param] = self.formats[c.name]
            match c.type:
                case ColumnType.NUMBER:
                    expr = _parse.number(n)
                case ColumnType.INTEGER:
                    expr = _parse.integer(n)
                case ColumnType.DATE:
                    expr = _parse.date(n, fmt_param)
                case ColumnType.MONTH:
                    expr = _parse.month(n, fmt_param)
                case ColumnType.TIMESTAMP:
                    expr = _parse.timestamp(n, fmt_param)
                case _:
                    expr = f"lower({n})" if c.allowed else n
            parse_cols.append(f"{expr} AS {v}")
            out_cols.append(f"{v} AS {q(c.name)}")
            name = _lit(c.name)

            def err(cond: str, code: str, detail: str = "CAST(NULL AS VARCHAR)", name: str = name) -> None:
                conditions.append((cond, f"struct_pack(c := {name}, r := {_lit(code)}, d := {detail})"))

            if c.required:
                err(f"{n} IS NULL", "missing_required")
            if c.type in _BAD_CODE:
                err(f"{n} IS NOT NULL AND {v} IS NULL", _BAD_CODE[c.type])
            if c.allowed:
                allowed = ", ".join(_lit(a) for a in c.allowed)
                err(f"{v} IS NOT NULL AND {v} NOT IN ({allowed})", "not_allowed", _lit(", ".join(c.allowed)))
            if c.min is not None:
                op, text = ("<=", f"> {c.min:g}") if c.min_exclusive else ("<", f">= {c.min:g}")
                err(f"{v} {op} {c.min!r}", "out_of_range", _lit(text))
            if c.max is not None:
                err(f"{v} > {c.max!r}", "out_of_range", _lit(f"<= {c.max:g}"))
        for check in ent.checks:
            lv, rv = q("v_" + check.left), q("v_" + check.right)
            ln, rn = q("n_" + check.left), q("n_" + check.right)
            detail = f"concat({_lit(check.left + '=')}, {ln}, ', ', {_lit(check.right + '=')}, {rn})"
            conditions.append(
                (
                    f"{lv} {_NEGATE[check.op]} {rv}",
                    f"struct_pack(c := {_lit(check.left)}, r := {_lit(check.code)}, d := {detail})",
                )
            )
        any_bad = " OR ".join(f"coalesce({cond}, false)" for cond, _ in conditions) or "false"
        items = ", ".join(f"CASE WHEN {cond} THEN {item} END" for cond, item in conditions)
        errors = f"CASE WHEN {any_bad} THEN list_filter([{items}], x -> x IS NOT NULL) END"
        sql = (
            f"WITH n AS (SELECT __file, __row, {', '.join(norm_cols)} FROM {q(stage)}), "
            f"p AS (SELECT *, {', '.join(parse_cols)} FROM n) "
            f"SELECT __file, __row, {', '.join(out_cols)}, {errors} AS __errors FROM p"
        )
        typed = self.temp_table("typed", sql, params)
        return typed, params

    # ---------------------------------------------------------------- keys
    def collect_errors(self, typed: str) -> str:
        ent = self.entity
        errors = self.temp_table(
            "errors",
            f'SELECT __file, __row, e.c AS "column", e.r AS code, e.d AS detail FROM '
            f"(SELECT __file, __row, unnest(__errors) AS e FROM {q(typed)} WHERE __errors IS NOT NULL)",
        )
        keys = ", ".join(q(k) for k in ent.natural_key)
        dup_count = self.con.execute(
            f"SELECT count(*) FROM (SELECT {keys} FROM {q(typed)} WHERE __errors IS NULL "
            f"GROUP BY {keys} HAVING count(*) > 1)"
        ).fetchone()[0]  # type: ignore[index]
        if dup_count:
            window = f"PARTITION BY {keys} ORDER BY __file, __row"
            self.con.execute(
                f"INSERT INTO {q(errors)} SELECT __file, __row, {_lit(ent.natural_key[0])}, 'duplicate_key', "
                f"CAST(first_row AS VARCHAR) FROM (SELECT __file, __row, row_number() OVER ({window}) AS rn, "
                f"first_value(__row) OVER ({window}) AS first_row FROM {q(typed)} WHERE __errors IS NULL) WHERE rn > 1"
            )
        for fk in ent.foreign_keys:
            col = q(fk.column)
            missing = []
            for target, target_col in fk.targets:
                missing.append(f"NOT EXISTS (SELECT 1 FROM {q(target)} x WHERE x.{q(target_col)} = t.{col})")
                if target == ent.name:
                    missing.append(
                        f"NOT EXISTS (SELECT 1 FROM {q(typed)} y WHERE y.__errors IS NULL AND y.{q(target_col)} = t.{col})"
                    )
            detail = " / ".join(f"{e}.{c}" for e, c in fk.targets)
            self.con.execute(
                f"INSERT INTO {q(errors)} SELECT __file, __row, {_lit(fk.column)}, 'unknown_reference', {_lit(detail)} "
                f"FROM {q(typed)} t WHERE t.{col} IS NOT NULL AND {' AND '.join(missing)}"
            )
        return errors

    # ---------------------------------------------------------------- merge
    def merge(self, typed: str, errors: str) -> tuple[int, int, int]:
        ent = self.entity
        cols = ", ".join(q(c) for c in ent.column_names)
        valid = self.t("valid")
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW {q(valid)} AS SELECT {cols} FROM {q(typed)} t WHERE t.__errors IS NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {q(errors)} e WHERE e.__file = t.__file AND e.__row = t.__row)"
        )
        self.temp_views.append(valid)
        target = q(ent.name)
        existing = self.con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {target} LIMIT 1)").fetchone()[0]  # type: ignore[index]
        if not existing:
            self.con.execute(f"INSERT INTO {target} SELECT {cols}, ? FROM {q(valid)}", [self.batch_id])
            n = self.con.execute(f"SELECT count(*) FROM {q(valid)}").fetchone()[0]  # type: ignore[index]
            return int(n), 0, 0
        on = " AND ".join(f"v.{q(k)} = t.{q(k)}" for k in ent.natural_key)
        same = (
            " AND ".join(
                f"v.{q(c)} IS NOT DISTINCT FROM t.{q(c)}"
                for c in ent.column_names
                if c not in ent.natural_key
            )
            or "true"
        )
        vcols = ", ".join(f"v.{q(c)}" for c in ent.column_names)
        cls = self.temp_table(
            "classified",
            f"SELECT {vcols}, CASE WHEN t.{q(ent.natural_key[0])} IS NULL THEN 0 WHEN {same} THEN 1 ELSE 2 END AS __kind "
            f"FROM {q(valid)} v LEFT JOIN {target} t ON {on}",
        )
        counts = dict(self.con.execute(f"SELECT __kind, count(*) FROM {q(cls)} GROUP BY __kind").fetchall())
        if counts.get(2):
            key_on = " AND ".join(f"t.{q(k)} = c.{q(k)}" for k in ent.natural_key)
            keys = ", ".join(q(k) for k in ent.natural_key)
            changed = f"(SELECT {keys} FROM {q(cls)} WHERE __kind = 2) c"
            self.con.execute(
                f"INSERT INTO {q(history_table(ent.name))} SELECT t.*, ?, now() FROM {target} t "
                f"WHERE EXISTS (SELECT 1 FROM {changed} WHERE {key_on})",
                [self.batch_id],
            )
            self.con.execute(f"DELETE FROM {target} t WHERE EXISTS (SELECT 1 FROM {changed} WHERE {key_on})")
        self.con.execute(
            f"INSERT INTO {target} SELECT {cols}, ? FROM {q(cls)} WHERE __kind IN (0, 2)", [self.batch_id]
        )
        return int(counts.get(0, 0)), int(counts.get(2, 0)), int(counts.get(1, 0))

    # ---------------------------------------------------------------- rejects
    def write_rejects(self, stage: str, errors: str, rejected_status: str = "open") -> int:
        ent = self.entity
        texts = reason_texts({c.code: (c.reason.zh, c.reason.en) for c in ent.checks})
        reasons = self.temp_table(
            "reasons",
            "SELECT * FROM (SELECT unnest(?::VARCHAR[]) AS code, unnest(?::VARCHAR[]) AS zh, unnest(?::VARCHAR[]) AS en)",
            [list(texts), [v[0] for v in texts.values()], [v[1] for v in texts.values()]],
        )
        raw_value = (
            'CASE e."column" ' + " ".join(f"WHEN {_lit(c)} THEN s.{q(c)}" for c in ent.column_names) + " END"
        )
        raw_row = "to_json(struct_pack(" + ", ".join(f"{q(c)} := s.{q(c)}" for c in ent.column_names) + "))"
        rows = self.temp_table(
            "reject_rows",
            f'SELECT f.name AS file, e.__row AS row_number, e."column", {raw_value} AS raw_value, e.code, '
            f"format(r.zh, coalesce({raw_value}, ''), coalesce(e.detail, '')) AS reason_zh, "
            f"format(r.en, coalesce({raw_value}, ''), coalesce(e.detail, '')) AS reason_en, {raw_row} AS raw_row "
            f"FROM {q(errors)} e JOIN {q(stage)} s ON s.__file = e.__file AND s.__row = e.__row "
            f"JOIN {q(self.t('files'))} f ON f.__file = e.__file JOIN {q(reasons)} r ON r.code = e.code",
        )
        # Reloading a file must not duplicate its open rejects.
        self.con.execute(
            f'INSERT INTO {REJECTS} SELECT ?, ?, x.file, x.row_number, x."column", x.raw_value, x.code, x.reason_zh, '
            f"x.reason_en, x.raw_row, ?, NULL, now() FROM {q(rows)} x WHERE NOT EXISTS (SELECT 1 FROM {REJECTS} o "
            f"WHERE o.status = 'open' AND o.entity = ? AND o.file = x.file AND o.row_number = x.row_number "
            f'AND o."column" IS NOT DISTINCT FROM x."column" AND o.reason_code = x.code AND o.raw_row = x.raw_row)',
            [self.batch_id, ent.name, rejected_status, ent.name],
        )
        n = self.con.execute(
            f"SELECT count(*) FROM (SELECT DISTINCT __file, __row FROM {q(errors)})"
        ).fetchone()[0]  # type: ignore[index]
        return int(n)

    def run(self, stage: str, progress: Progress | None) -> tuple[int, int, int, int, int]:
        rows_read = int(self.con.execute(f"SELECT count(*) FROM {q(stage)}").fetchone()[0])  # type: ignore[index]
        if progress:
            progress("validate", 0, rows_read)
        typed, _ = self.type_and_check(stage)
        errors = self.collect_errors(typed)
        if progress:
            progress("merge", rows_read, rows_read)
        loaded, updated, duplicate = self.merge(typed, errors)
        rejected = self.write_rejects(stage, errors)
        return rows_read, loaded, updated, duplicate, rejected


def _record_history(
    con: duckdb.DuckDBPyConnection,
    result: LoadResult,
    checksum: str,
    started: dt.datetime,
    mapping: Mapping | None,
    outcome: str,
    message: str | None = None,
) -> None:
    con.execute(
        f"INSERT INTO {LOAD_HISTORY} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?, ?, ?)",
        [
            result.batch_id,
            result.entity,
            json.dumps(result.files, ensure_ascii=False),
            checksum,
            result.rows_read,
            result.rows_loaded,
            result.rows_updated,
            result.rows_duplicate,
            result.rows_rejected,
            started,
            outcome,
            json.dumps(mapping.to_dict() if mapping else {}, ensure_ascii=False),
            message,
        ],
    )


def _memory_guard(con: duckdb.DuckDBPyConnection, workdir: str) -> Callable[[], None]:
    """Bound the load's memory (DuckDB spills to ``workdir``); returns a restore function."""
    old_limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]  # type: ignore[index]
    old_temp = con.execute("SELECT current_setting('temp_directory')").fetchone()[0]  # type: ignore[index]
    con.execute("SET memory_limit = '1200MB'")
    con.execute("SET temp_directory = ?", [workdir])
    con.execute("SET preserve_insertion_order = true")

    def restore() -> None:
        con.execute("SET memory_limit = ?", [old_limit])
        con.execute("SET temp_directory = ?", [old_temp or ""])

    return restore


def load_files(
    warehouse: Warehouse,
    entity: str,
    files: Sequence[str | Path],
    mapping: Mapping | str | Path | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Validate ``files`` as ``entity`` and merge them into the warehouse, atomically.

    Returns counts; rejected rows go to the rejects table with reasons. Raises a
    :class:`~chainsight.UserInputError` (nothing written) when a file cannot be read
    or lacks required columns.

    >>> from chainsight.warehouse import Warehouse
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "ch.csv").write_text("channel_id,name,kind\\ntmall,天猫,online\\nka,KA,线下\\n")
    >>> r = load_files(Warehouse.open(":memory:"), "channels", [d / "ch.csv"])
    >>> (r.rows_loaded, r.rows_rejected)
    (1, 1)
    """
    ent = get_entity(entity)
    if isinstance(mapping, str | Path):
        mapping = Mapping.from_yaml(mapping)
    mapping = mapping or Mapping()
    mapping.validate_for(ent)
    paths = [Path(f) for f in files]
    if not paths:
        from chainsight._errors import UserInputError

        raise UserInputError("没有指定文件", "no files given", entity=entity)
    started = dt.datetime.now()
    batch_id = new_batch_id()
    result = LoadResult(entity=ent.name, files=[str(p) for p in paths], batch_id=batch_id)
    pipe = _Pipeline(warehouse, ent, batch_id, mapping.formats)
    workdir = make_workdir()
    con = warehouse.duckdb
    restore = _memory_guard(con, workdir)
    try:
        with warehouse._lock:
            expected = expected_headers(list(ent.column_names), mapping)
            parts = []
            for i, p in enumerate(paths):
                if progress:
                    progress("read", i, len(paths))
                raw = read_any(con, p, pipe.t(f"raw{i}"), mapping, expected, workdir)
                pipe.temp_tables.append(raw.table)
                resolved = mapping.resolve(ent, raw.headers, str(p))
                parts.append((i, raw, resolved, mapping.constants))
                result.encodings.append(raw.encoding)
            checksum = file_checksum(paths)
            stage = pipe.stage(parts, result.files)
            with warehouse.transaction():
                rows = pipe.run(stage, progress)
                (
                    result.rows_read,
                    result.rows_loaded,
                    result.rows_updated,
                    result.rows_duplicate,
                    result.rows_rejected,
                ) = rows
                _record_history(con, result, checksum, started, mapping, "loaded")
    finally:
        pipe.cleanup()
        restore()
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def retry_rejects(
    warehouse: Warehouse, entity: str | None = None, progress: Progress | None = None
) -> list[LoadResult]:
    """Re-validate open rejects (e.g. after missing master data arrived) and load those that now pass.

    Rows that still fail stay rejected with their current reasons; the old reject
    records are marked ``retried`` (or ``resolved`` when the row loaded).
    """
    con = warehouse.duckdb
    where, params = ("AND entity = ?", [entity]) if entity else ("", [])
    if entity:
        get_entity(entity)
    groups = con.execute(
        f"SELECT r.entity, r.batch_id, any_value(h.mapping) FROM {REJECTS} r LEFT JOIN {LOAD_HISTORY} h "
        f"USING (batch_id) WHERE r.status = 'open' {where} GROUP BY r.entity, r.batch_id ORDER BY min(r.created_at)",
        params,
    ).fetchall()
    from chainsight.model import LOAD_ORDER

    groups.sort(key=lambda g: LOAD_ORDER.index(g[0]))
    results = []
    for ent_name, old_batch, mapping_json in groups:
        ent = get_entity(ent_name)
        formats = (json.loads(mapping_json) or {}).get("formats", {}) if mapping_json else {}
        started = dt.datetime.now()
        batch_id = new_batch_id()
        pipe = _Pipeline(warehouse, ent, batch_id, formats)
        try:
            with warehouse._lock:
                src = pipe.temp_table(
                    "retry_src",
                    f"SELECT file, row_number, any_value(raw_row) AS raw_row FROM {REJECTS} "
                    "WHERE status = 'open' AND entity = ? AND batch_id = ? GROUP BY file, row_number",
                    [ent_name, old_batch],
                )
                files = [
                    r[0] for r in con.execute(f"SELECT DISTINCT file FROM {q(src)} ORDER BY file").fetchall()
                ]
                parts = []
                for i, name in enumerate(files):
                    cols = ", ".join(
                        f"json_extract_string(raw_row, {_lit('$.' + json.dumps(c))}) AS {q(c)}"
                        for c in ent.column_names
                    )
                    select = f"SELECT row_number AS __row, {cols} FROM {q(src)} WHERE file = {_lit_param(con, name)}"
                    parts.append((i, select, {c: c for c in ent.column_names}, {}))
                result = LoadResult(entity=ent_name, files=files, batch_id=batch_id)
                stage = pipe.stage(parts, files)
                with warehouse.transaction():
                    (
                        result.rows_read,
                        result.rows_loaded,
                        result.rows_updated,
                        result.rows_duplicate,
                        result.rows_rejected,
                    ) = pipe.run(stage, progress)
                    con.execute(
                        f"UPDATE {REJECTS} SET status = CASE WHEN EXISTS (SELECT 1 FROM {q(pipe.t('errors'))} e "
                        f"JOIN {q(pipe.t('files'))} f ON f.__file = e.__file WHERE f.name = {REJECTS}.file "
                        f"AND e.__row = {REJECTS}.row_number) THEN 'retried' ELSE 'resolved' END, resolved_batch_id = ? "
                        f"WHERE status = 'open' AND entity = ? AND batch_id = ?",
                        [batch_id, ent_name, old_batch],
                    )
                    _record_history(
                        con, result, f"retry:{old_batch}", started, Mapping(formats=formats), "retried"
                    )
        finally:
            pipe.cleanup()
        results.append(result)
    return results


def _lit_param(con: duckdb.DuckDBPyConnection, value: str) -> str:
    """File names in retry come from our own rejects table; still, quote them as literals safely."""
    return "'" + value.replace("'", "''") + "'"


def list_rejects(warehouse: Warehouse, entity: str | None = None, status: str | None = "open") -> Any:
    """Rejected rows (one record per problem) as a pyarrow Table, newest first."""
    if entity:
        get_entity(entity)
    clauses, params = [], []
    if entity:
        clauses.append("entity = ?")
        params.append(entity)
    if status:
        clauses.append("status = ?")
        params.append(status)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return warehouse.duckdb.execute(
        f'SELECT batch_id, entity, file, row_number, "column", raw_value, reason_code, reason_zh, reason_en, '
        f"status, created_at FROM {REJECTS} {where} ORDER BY created_at DESC, entity, file, row_number",
        params,
    ).to_arrow_table()
