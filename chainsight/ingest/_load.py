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
import numpy as np

from chainsight._errors import UserInputError
from chainsight.ingest import _parse
from chainsight.ingest._mapping import Mapping, former_names
from chainsight.ingest._read import (
    RawFile,
    csv_error,
    csv_retry_serial,
    expected_headers,
    make_workdir,
    read_any,
)
from chainsight.ingest._reasons import reason_texts
from chainsight.model import ColumnType, Entity, Text, get_entity
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
    notes: list[Text] = field(default_factory=list)  # e.g. a column's former name was used

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


@dataclass
class _Part:
    """One source of rows. ``typing_sql`` yields ``__idx`` (0-based position in the file) and
    the canonical VARCHAR columns; ``numbered_sql`` adds ``__row`` (the physical row a person
    sees) and is read only when rows are rejected."""

    name: str
    typing_sql: str
    numbered_sql: str
    params: dict[str, Any]


class _Pipeline:
    """One load. Rows are identified by ``(__file, __idx)``: which source, and the position in
    it, carried as data from the reader (DuckDB may reorder rows of a parallel scan)."""

    def __init__(self, wh: Warehouse, entity: Entity, batch_id: str, formats: dict[str, str]) -> None:
        self.wh = wh
        self.con: duckdb.DuckDBPyConnection = wh.duckdb
        self.entity = entity
        self.batch_id = batch_id
        self.formats = formats
        self.prefix = f"_cs_tmp_{batch_id.replace('-', '_')}"
        self.temp_tables: list[str] = []
        self.temp_views: list[str] = []
        self.parts: list[_Part] = []
        self.rows_read = 0
        self.has_errors = False
        self.typed = ""

    def t(self, name: str) -> str:
        return f"{self.prefix}_{name}"

    def temp_table(self, name: str, select_sql: str, params: Any = None) -> str:
        full = self.t(name)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {q(full)} AS {select_sql}", params or [])
        self.temp_tables.append(full)
        return full

    def cleanup(self) -> None:
        self.con.execute("SET preserve_insertion_order = true")
        for v in self.temp_views:
            self.con.execute(f"DROP VIEW IF EXISTS {q(v)}")
        for t in self.temp_tables:
            self.con.execute(f"DROP TABLE IF EXISTS {q(t)}")

    # ---------------------------------------------------------------- staging
    def add_part(self, name: str, raw: RawFile, resolved: dict[str, str], constants: dict[str, str]) -> None:
        """Register a read file: map its headers onto canonical VARCHAR columns (constants as parameters)."""
        index = len(self.parts)
        params: dict[str, Any] = dict(raw.params)
        cols = []
        for c in self.entity.column_names:
            if c in constants:
                pname = f"k{index}_{len(params)}"
                params[pname] = constants[c]
                cols.append(f"CAST(${pname} AS VARCHAR) AS {q(c)}")
            elif c in resolved:
                cols.append(f"CAST(r.{q(resolved[c])} AS VARCHAR) AS {q(c)}")
            else:
                cols.append(f"CAST(NULL AS VARCHAR) AS {q(c)}")
        select = ", ".join(cols)
        offset = int(raw.row_offset)
        if raw.sql:
            source = f"(SELECT ordinality - 1 AS __idx, * FROM {raw.sql.removeprefix('SELECT * FROM ')} WITH ORDINALITY)"
        else:
            source = q(raw.table)
        typing = f"SELECT r.__idx, {select} FROM {source} r"
        numbered = f"SELECT r.__idx, r.__idx + {offset} AS __row, {select} FROM {source} r"
        self.parts.append(_Part(name, typing, numbered, params))

    def add_rows(self, name: str, table: str) -> None:
        """Register rows kept in a temp table with canonical columns and their original ``row_number``."""
        cols = ", ".join(f"r.{q(c)}" for c in self.entity.column_names)
        self.parts.append(
            _Part(
                name,
                f"SELECT r.row_number AS __idx, {cols} FROM {q(table)} r",
                f"SELECT r.row_number AS __idx, r.row_number AS __row, {cols} FROM {q(table)} r",
                {},
            )
        )

    # ---------------------------------------------------------------- typing and row checks
    def typed_query(self, source: str, file_index: int) -> tuple[str, dict[str, Any]]:
        """One pass of projection levels: trim (t) → missing tokens (n) → plain cast (p) →
        export formats where the cast failed (s) → final checks (f) → typed values plus
        the list of each bad row's problems.

        Each level computes every expression once; CASE keeps the slow path off clean values.
        """
        ent = self.entity
        params: dict[str, Any] = {}
        trim_cols, norm_cols, fast_cols, slow_cols, final_cols, out_cols = [], [], [], [], [], []
        conditions: list[tuple[str, str]] = []
        for c in ent.columns:
            raw, n, p = q(c.name), q("n_" + c.name), q("p_" + c.name)
            s, v = q("s_" + c.name), q("v_" + c.name)
            trim_cols.append(f"{_parse.trimmed(raw)} AS {raw}")
            norm_cols.append(f"{_parse.missing_as_null(raw)} AS {n}")
            fmt_param = None
            if c.name in self.formats:
                fmt_param = f"fmt_{len(params)}"
                params[fmt_param] = self.formats[c.name]
            if c.type is ColumnType.STRING:
                fast_cols.append(f"{'lower(' + n + ')' if c.allowed else n} AS {p}")
                slow_cols.append(f"{p} AS {s}")
            else:
                fast_cols.append(f"{_parse.fast(n, c.type, fmt_param)} AS {p}")
                slow_cols.append(
                    f"CASE WHEN {p} IS NOT NULL OR {n} IS NULL THEN {p} ELSE {_parse.slow(n, c.type)} END AS {s}"
                )
            final_cols.append(f"{_parse.final(s, c.type)} AS {v}")
            out_cols.append(f"{v} AS {raw}")
            name = _lit(c.name)

            def err(cond: str, code: str, detail: str = "CAST(NULL AS VARCHAR)", name: str = name) -> None:
                conditions.append((cond, f"struct_pack(c := {name}, r := {_lit(code)}, d := {detail})"))

            if c.required:
                err(f"{n} IS NULL", "missing_required")
            if c.type in _BAD_CODE:
                err(f"{n} IS NOT NULL AND {v} IS NULL", _BAD_CODE[c.type])
            if c.allowed:
                allowed = ", ".join(_lit(a) for a in c.allowed)
                err(f"{v} NOT IN ({allowed})", "not_allowed", _lit(", ".join(c.allowed)))
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
            f"WITH t AS (SELECT __idx, {', '.join(trim_cols)} FROM ({source})), "
            f"n AS (SELECT __idx, {', '.join(norm_cols)} FROM t), "
            f"p AS (SELECT *, {', '.join(fast_cols)} FROM n), "
            f"s AS (SELECT *, {', '.join(slow_cols)} FROM p), "
            f"f AS (SELECT *, {', '.join(final_cols)} FROM s) "
            f"SELECT CAST({int(file_index)} AS SMALLINT) AS __file, __idx, {', '.join(out_cols)}, "
            f"{errors} AS __errors FROM f"
        )
        return sql, params

    def build_typed(self) -> str:
        """The typed table: every source's rows, typed, with their problems."""
        typed = self.t("typed")
        for i, part in enumerate(self.parts):
            sql, params = self.typed_query(part.typing_sql, i)
            statement = (
                f"CREATE OR REPLACE TEMP TABLE {q(typed)} AS {sql}"
                if i == 0
                else f"INSERT INTO {q(typed)} {sql}"
            )
            try:
                try:
                    self.con.execute(statement, {**part.params, **params})
                except duckdb.Error as exc:
                    if not csv_retry_serial(part.params, exc):
                        raise
                    self.con.execute(statement, {**part.params, **params})
            except duckdb.Error as exc:
                if "CSV" not in str(exc):
                    raise
                raise csv_error(part.name, exc) from None
            if i == 0:
                self.temp_tables.append(typed)
        self.rows_read = int(self.con.execute(f"SELECT count(*) FROM {q(typed)}").fetchone()[0])  # type: ignore[index]
        self.temp_table(
            "files",
            "SELECT * FROM (SELECT CAST(unnest(?::INTEGER[]) AS SMALLINT) AS __file, unnest(?::VARCHAR[]) AS name)",
            [list(range(len(self.parts))), [p.name for p in self.parts]],
        )
        return typed

    # ---------------------------------------------------------------- keys
    def collect_errors(self, typed: str) -> str:
        ent = self.entity
        errors = self.temp_table(
            "errors",
            'SELECT __file, __idx, e.c AS "column", e.r AS code, e.d AS detail, CAST(NULL AS SMALLINT) AS first_file, '
            f"CAST(NULL AS BIGINT) AS first_idx FROM (SELECT __file, __idx, unnest(__errors) AS e FROM {q(typed)} "
            "WHERE __errors IS NOT NULL)",
        )
        keys = ", ".join(q(k) for k in ent.natural_key)
        # Pre-check on a 64-bit hash of the key: DuckDB computes the hashes, numpy sorts them
        # (a radix sort of one array beats a 10-million-group hash aggregate several times);
        # the exact windowed check runs only when two hashes collide.
        hashes = (
            self.con.execute(f"SELECT hash({keys}) AS h FROM {q(typed)} WHERE __errors IS NULL")
            .to_arrow_table()
            .column("h")
            .to_numpy()
        )
        hashes = np.sort(hashes)
        suspect = bool(hashes.size > 1 and np.any(hashes[1:] == hashes[:-1]))
        del hashes
        if suspect:
            window = f"PARTITION BY {keys} ORDER BY __file, __idx"
            self.con.execute(
                f"INSERT INTO {q(errors)} SELECT __file, __idx, {_lit(ent.natural_key[0])}, 'duplicate_key', NULL, "
                f"first_file, first_idx FROM (SELECT __file, __idx, row_number() OVER ({window}) AS rn, "
                f"first_value(__file) OVER ({window}) AS first_file, first_value(__idx) OVER ({window}) AS first_idx "
                f"FROM {q(typed)} WHERE __errors IS NULL) WHERE rn > 1"
            )
        for fk in ent.foreign_keys:
            col = q(fk.column)
            missing = []
            for target, target_col in fk.targets:
                missing.append(f"NOT EXISTS (SELECT 1 FROM {q(target)} x WHERE x.{q(target_col)} = d.value)")
                if target == ent.name:
                    missing.append(
                        f"NOT EXISTS (SELECT 1 FROM {q(typed)} y WHERE y.__errors IS NULL "
                        f"AND y.{q(target_col)} = d.value)"
                    )
            # Check distinct values (few) rather than rows (many); look up rows only for misses.
            unknown = self.temp_table(
                f"unknown_{fk.column}",
                f"SELECT d.value FROM (SELECT DISTINCT {col} AS value FROM {q(typed)} WHERE {col} IS NOT NULL) d "
                f"WHERE {' AND '.join(missing)}",
            )
            if self.con.execute(f"SELECT count(*) FROM {q(unknown)}").fetchone()[0]:  # type: ignore[index]
                detail = " / ".join(f"{e}.{c}" for e, c in fk.targets)
                self.con.execute(
                    f"INSERT INTO {q(errors)} SELECT t.__file, t.__idx, {_lit(fk.column)}, 'unknown_reference', "
                    f"{_lit(detail)}, NULL, NULL FROM {q(typed)} t SEMI JOIN {q(unknown)} u ON t.{col} = u.value"
                )
        return errors

    # ---------------------------------------------------------------- merge
    def merge(self, typed: str, errors: str) -> tuple[int, int, int]:
        ent = self.entity
        cols = ", ".join(q(c) for c in ent.column_names)
        valid = self.t("valid")
        bad_rows = self.con.execute(
            f"SELECT count(*) FROM (SELECT DISTINCT __file, __idx FROM {q(errors)})"
        ).fetchone()[0]  # type: ignore[index]
        n_valid = self.rows_read - int(bad_rows)
        self.has_errors = bool(bad_rows)
        if bad_rows:
            tcols = ", ".join(f"t.{q(c)}" for c in ent.column_names)
            source = (
                f"SELECT {tcols} FROM {q(typed)} t ANTI JOIN (SELECT DISTINCT __file, __idx FROM {q(errors)}) e "
                "ON t.__file = e.__file AND t.__idx = e.__idx"
            )
        else:
            source = f"SELECT {cols} FROM {q(typed)}"
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {q(valid)} AS {source}")
        self.temp_views.append(valid)
        target = q(ent.name)
        existing = self.con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {target} LIMIT 1)").fetchone()[0]  # type: ignore[index]
        if not existing:
            self.con.execute(f"INSERT INTO {target} SELECT {cols}, ? FROM {q(valid)}", [self.batch_id])
            return n_valid, 0, 0
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
            f"SELECT {vcols}, CASE WHEN t.{q(ent.natural_key[0])} IS NULL THEN 0 WHEN {same} THEN 1 ELSE 2 END "
            f"AS __kind FROM {q(valid)} v LEFT JOIN {target} t ON {on}",
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
    def write_rejects(self, errors: str, rejected_status: str = "open") -> int:
        """Rejects with file, physical row, raw values and reasons. Runs only when there are errors;
        it reads the sources again (numbered), keeping just the rows it needs."""
        ent = self.entity
        files = q(self.t("files"))
        texts = reason_texts({c.code: (c.reason.zh, c.reason.en) for c in ent.checks})
        reasons = self.temp_table(
            "reasons",
            "SELECT * FROM (SELECT unnest(?::VARCHAR[]) AS code, unnest(?::VARCHAR[]) AS zh, "
            "unnest(?::VARCHAR[]) AS en)",
            [list(texts), [v[0] for v in texts.values()], [v[1] for v in texts.values()]],
        )
        wanted = self.temp_table(
            "wanted",
            f"SELECT __file, __idx FROM {q(errors)} UNION "
            f"SELECT first_file, first_idx FROM {q(errors)} WHERE first_idx IS NOT NULL",
        )
        raw_rows = self.t("raw_rows")
        for i, part in enumerate(self.parts):
            sql = (
                f"SELECT CAST({i} AS SMALLINT) AS __file, s.* FROM ({part.numbered_sql}) s SEMI JOIN "
                f"(SELECT __idx FROM {q(wanted)} WHERE __file = {i}) w ON s.__idx = w.__idx"
            )
            if i == 0:
                self.temp_table("raw_rows", sql, part.params)
            else:
                self.con.execute(f"INSERT INTO {q(raw_rows)} {sql}", part.params)
        raw_value = (
            'CASE e."column" ' + " ".join(f"WHEN {_lit(c)} THEN s.{q(c)}" for c in ent.column_names) + " END"
        )
        raw_row = "to_json(struct_pack(" + ", ".join(f"{q(c)} := s.{q(c)}" for c in ent.column_names) + "))"
        detail = "coalesce(e.detail, CAST(fr.__row AS VARCHAR), '')"
        rows = self.temp_table(
            "reject_rows",
            f'SELECT f.name AS file, s.__row AS row_number, e."column", {raw_value} AS raw_value, e.code, '
            f"format(r.zh, coalesce({raw_value}, ''), {detail}) AS reason_zh, "
            f"format(r.en, coalesce({raw_value}, ''), {detail}) AS reason_en, {raw_row} AS raw_row "
            f"FROM {q(errors)} e JOIN {files} f ON f.__file = e.__file "
            f"JOIN {q(raw_rows)} s ON s.__file = e.__file AND s.__idx = e.__idx "
            f"LEFT JOIN {q(raw_rows)} fr ON fr.__file = e.first_file AND fr.__idx = e.first_idx "
            f"JOIN {q(reasons)} r ON r.code = e.code",
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
            f"SELECT count(*) FROM (SELECT DISTINCT __file, __idx FROM {q(errors)})"
        ).fetchone()[0]  # type: ignore[index]
        return int(n)

    def validate(self, progress: Progress | None) -> None:
        """Parse and type every source into a temp table. Runs before the transaction: it
        writes nothing persistent, and a reader that must retry serially (DuckDB aborts a
        transaction on any error) can do so."""
        if progress:
            progress("validate", 0, 1)
        self.typed = self.build_typed()

    def run(self, progress: Progress | None) -> tuple[int, int, int, int, int]:
        """Inside the load's transaction: keys, merge, rejects."""
        typed = self.typed
        errors = self.collect_errors(typed)
        if progress:
            progress("merge", self.rows_read, self.rows_read)
        loaded, updated, duplicate = self.merge(typed, errors)
        rejected = self.write_rejects(errors) if self.has_errors else 0
        return self.rows_read, loaded, updated, duplicate, rejected


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


def _memory_guard(con: duckdb.DuckDBPyConnection) -> Callable[[], None]:
    """Bound the load's memory (DuckDB spills to its temp directory beyond it); returns a restore function."""
    old_limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]  # type: ignore[index]
    con.execute("SET memory_limit = '1200MB'")
    con.execute("SET preserve_insertion_order = false")

    def restore() -> None:
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET memory_limit = ?", [old_limit])

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
    try:
        ent = get_entity(entity)
    except UserInputError as exc:
        named = ", ".join(str(f) for f in files)
        raise type(exc)(exc.zh, exc.en, **{**exc.context, "file": named}) from None
    if isinstance(mapping, str | Path):
        mapping = Mapping.from_yaml(mapping)
    mapping = mapping or Mapping()
    mapping, notes = mapping.for_entity(ent)
    paths = [Path(f) for f in files]
    if not paths:
        raise UserInputError("没有指定文件", "no files given", entity=entity)
    started = dt.datetime.now()
    batch_id = new_batch_id()
    result = LoadResult(entity=ent.name, files=[str(p) for p in paths], batch_id=batch_id, notes=notes)
    pipe = _Pipeline(warehouse, ent, batch_id, mapping.formats)
    workdir = make_workdir()
    con = warehouse.duckdb
    restore = _memory_guard(con)
    try:
        with warehouse._lock:
            expected = expected_headers([*ent.column_names, *former_names(ent)], mapping)
            for i, p in enumerate(paths):
                if progress:
                    progress("read", i, len(paths))
                raw = read_any(con, p, pipe.t(f"raw{i}"), mapping, expected, workdir)
                pipe.temp_tables.append(raw.table)
                resolved = mapping.resolve(ent, raw.headers, str(p))
                result.notes += mapping.header_notes(ent, raw.headers, str(p))
                pipe.add_part(str(p), raw, resolved, mapping.constants)
                result.encodings.append(raw.encoding)
            checksum = file_checksum(paths)
            pipe.validate(progress)
            # The tables a load writes (a Spark warehouse stages them and publishes them at commit).
            writes = (ent.name, history_table(ent.name), REJECTS, LOAD_HISTORY)
            with warehouse.transaction(writes):
                rows = pipe.run(progress)
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
    where, params = ("AND r.entity = ?", [entity]) if entity else ("", [])
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
                    # A row rejected only as a duplicate of an earlier row needs a person to decide
                    # which version is right; retrying it would silently overwrite the first.
                    f"SELECT file, row_number, any_value(raw_row) AS raw_row FROM {REJECTS} "
                    "WHERE status = 'open' AND entity = ? AND batch_id = ? GROUP BY file, row_number "
                    "HAVING bool_or(reason_code <> 'duplicate_key')",
                    [ent_name, old_batch],
                )
                files = [
                    r[0] for r in con.execute(f"SELECT DISTINCT file FROM {q(src)} ORDER BY file").fetchall()
                ]
                cols = ", ".join(
                    f"json_extract_string(raw_row, {_lit('$.' + json.dumps(c))}) AS {q(c)}"
                    for c in ent.column_names
                )
                for i, name in enumerate(files):
                    rows_table = pipe.temp_table(
                        f"retry_{i}",
                        f"SELECT row_number, {cols} FROM {q(src)} WHERE file = ? ORDER BY row_number",
                        [name],
                    )
                    pipe.add_rows(name, rows_table)
                result = LoadResult(entity=ent_name, files=files, batch_id=batch_id)
                in_retry = (
                    f"status = ? AND entity = ? AND batch_id = ? AND EXISTS (SELECT 1 FROM {q(src)} x "
                    f"WHERE x.file = {REJECTS}.file AND x.row_number = {REJECTS}.row_number)"
                )
                pipe.validate(progress)
                with warehouse.transaction((ent.name, history_table(ent.name), REJECTS, LOAD_HISTORY)):
                    # Supersede the old records first, so a row that still fails gets a fresh open one.
                    con.execute(
                        f"UPDATE {REJECTS} SET status = 'retried', resolved_batch_id = ? WHERE {in_retry}",
                        [batch_id, "open", ent_name, old_batch],
                    )
                    (
                        result.rows_read,
                        result.rows_loaded,
                        result.rows_updated,
                        result.rows_duplicate,
                        result.rows_rejected,
                    ) = pipe.run(progress)
                    still_failing = (
                        f"EXISTS (SELECT 1 FROM {q(pipe.t('reject_rows'))} x WHERE x.file = {REJECTS}.file "
                        f"AND x.row_number = {REJECTS}.row_number)"
                        if pipe.has_errors
                        else "false"
                    )
                    con.execute(
                        f"UPDATE {REJECTS} SET status = 'resolved' WHERE resolved_batch_id = ? AND {in_retry} "
                        f"AND NOT {still_failing}",
                        [batch_id, "retried", ent_name, old_batch],
                    )
                    _record_history(
                        con, result, f"retry:{old_batch}", started, Mapping(formats=formats), "retried"
                    )
        finally:
            pipe.cleanup()
        results.append(result)
    return results


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
