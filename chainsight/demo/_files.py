"""Writing entity tables as a real company's exports: GBK CSV with Chinese headers, Excel with a title row,
an old .xls, Parquet, JSON lines and plain UTF-8 CSV, chunk by chunk, byte-for-byte reproducible.

A few planted dirty rows are written into the first chunk of chosen files; each is recorded with the
physical row number a person sees in the file and the reason code the loader must give.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import yaml

FULL_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
FIXED_TIME = dt.datetime(2026, 1, 1, 8, 0, 0)


# ---------------------------------------------------------------------------------------------- specs
@dataclass(frozen=True)
class DirtyOp:
    """Change one cell of data row ``row`` (0-based, after insertions) or insert a copy of a row."""

    kind: str  # "set" or "duplicate"
    row: int
    column: str
    value: str | None
    reason: str
    source_row: int = -1  # for "duplicate": the row copied
    require: str | None = None  # move to the first row at or after ``row`` where this column has a value
    report_column: str | None = None  # the column the loader names for this reason (when not ``column``)


@dataclass(frozen=True)
class FileSpec:
    entity: str
    name: str  # file name; "{month}" is replaced for monthly files
    fmt: str  # csv | parquet | jsonl | xlsx | xls
    encoding: str = "utf-8"  # utf-8 | utf-8-sig | gbk
    headers: dict[str, str] | None = None  # canonical column → header in the file
    # value formats: column → DuckDB expression over {c}, or column → Arrow function
    sql: dict[str, str] = field(default_factory=dict)
    arrow: dict[str, Callable[[pa.Array], pa.Array]] = field(default_factory=dict)
    mapping: dict[str, Any] | None = None  # extra mapping keys (sheet, header_row, formats, constants)
    title: str | None = None  # Excel: title row(s) above the header
    subtitle: str | None = None
    sheet: str = "Sheet1"
    drop: tuple[str, ...] = ()  # canonical columns not in the file (constants in the mapping)
    extra: dict[str, Callable[[pa.Table], pa.Array]] = field(default_factory=dict)  # additional ERP columns
    full_width: tuple[str, ...] = ()  # columns where a few cells use full-width digits
    dirty: tuple[DirtyOp, ...] = ()
    monthly: bool = False
    month_column: str | None = None

    @property
    def header_row(self) -> int:
        if self.fmt in ("xlsx", "xls") and self.title:
            return 3 if self.subtitle else 2
        return 1


@dataclass
class WrittenFile:
    entity: str
    path: Path
    mapping: Path | None
    rows: int
    dirty: list[dict[str, Any]]


# ---------------------------------------------------------------------------------------------- helpers
def _normalise_zip(data: bytes) -> bytes:
    """Rewrite an xlsx archive with fixed timestamps (openpyxl stamps the current time)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                import re

                text = re.sub(
                    r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    r"\g<1>2026-01-01T08:00:00Z\2",
                    text,
                )
                content = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 8, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            dst.writestr(zi, content)
    return out.getvalue()


def _as_strings(table: pa.Table) -> pa.Table:
    cols = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_timestamp(col.type):
            col = pc.strftime(col, "%Y-%m-%d %H:%M:%S")
        elif not pa.types.is_string(col.type):
            col = col.cast(pa.string())
        cols[name] = col
    return pa.table(cols)


class _Formatter:
    """Applies a spec's value formats (DuckDB SQL), extra columns, header names and dirty rows."""

    def __init__(self, spec: FileSpec, con: duckdb.DuckDBPyConnection) -> None:
        self.spec = spec
        self.con = con

    def __call__(self, table: pa.Table, first: bool) -> tuple[pa.Table, list[dict[str, Any]]]:
        spec = self.spec
        extras = {name: fn(table) for name, fn in spec.extra.items()}
        for name, fmt in spec.arrow.items():
            table = table.set_column(table.column_names.index(name), name, fmt(table.column(name)))
        if spec.sql:
            self.con.register("_chunk", table)
            exprs = []
            for name in table.column_names:
                q = '"' + name + '"'
                exprs.append(f"{spec.sql[name].replace('{c}', q)} AS {q}" if name in spec.sql else q)
            table = self.con.execute(f"SELECT {', '.join(exprs)} FROM _chunk").to_arrow_table()
            self.con.unregister("_chunk")
        table = table.drop_columns([c for c in spec.drop if c in table.column_names])
        dirty: list[dict[str, Any]] = []
        if first and (spec.dirty or spec.full_width) and spec.fmt != "parquet":
            table, dirty = self._plant(table)
        for name, arr in extras.items():
            if first and (spec.dirty or spec.full_width) and len(arr) != table.num_rows:
                arr = self._extra_after_insert(arr)
            table = table.append_column(name, arr)
        if spec.headers:
            table = table.rename_columns([spec.headers.get(c, c) for c in table.column_names])
        return table, dirty

    def _inserted(self) -> list[DirtyOp]:
        return [op for op in self.spec.dirty if op.kind == "duplicate"]

    def _extra_after_insert(self, arr: pa.Array) -> pa.Array:
        idx = list(range(len(arr)))
        for op in sorted(self._inserted(), key=lambda o: o.row):
            idx.insert(op.row, op.source_row)
        return pc.take(arr, pa.array(idx))

    def _plant(self, table: pa.Table) -> tuple[pa.Table, list[dict[str, Any]]]:
        spec = self.spec
        head_n = min(table.num_rows, 2000)
        head = _as_strings(table.slice(0, head_n))
        tail = table.slice(head_n)
        rows = head.to_pylist()
        dirty: list[dict[str, Any]] = []
        for op in sorted(self._inserted(), key=lambda o: o.row):
            copy = dict(rows[op.source_row])
            if op.column and op.value is not None:
                copy[op.column] = op.value
            rows.insert(op.row, copy)
        placed: list[tuple[DirtyOp, int]] = []
        for op in spec.dirty:
            r = op.row
            if op.kind == "set":
                while op.require and r < len(rows) - 1 and not rows[r].get(op.require):
                    r += 1
                rows[r][op.column] = op.value
            placed.append((op, r))
        for name in spec.full_width:
            for r in range(7, min(len(rows), 400), 53):
                if rows[r].get(name) and not any(pr == r for _, pr in placed):
                    rows[r][name] = str(rows[r][name]).translate(FULL_DIGITS)
        for op, r in placed:
            dirty.append(
                dict(
                    entity=spec.entity,
                    row_number=r + spec.header_row + 1,
                    column=op.report_column or op.column,
                    reason_code=op.reason,
                    value=op.value if op.kind == "set" else None,
                )
            )
        head = pa.Table.from_pylist(rows, schema=head.schema)
        tail = _as_strings(tail)
        return pa.concat_tables([head, tail]), dirty


# ---------------------------------------------------------------------------------------------- writers
class _FileWriter:
    def __init__(self, spec: FileSpec, path: Path, con: duckdb.DuckDBPyConnection) -> None:
        self.spec = spec
        self.path = path
        self.con = con
        self.rows = 0
        self.first = True
        self.dirty: list[dict[str, Any]] = []
        self.fmt = _Formatter(spec, con)
        self._fh: Any = None
        self._pq: pq.ParquetWriter | None = None
        self._pq_schema: pa.Schema | None = None
        self._buffer: list[pa.Table] = []

    def write(self, table: pa.Table) -> None:
        out, dirty = self.fmt(table, self.first)
        self.dirty.extend(dirty)
        self.rows += out.num_rows
        spec = self.spec
        if spec.fmt == "csv":
            if self._fh is None:
                self._fh = self.path.open("wb")
                if spec.encoding == "utf-8-sig":
                    self._fh.write(b"\xef\xbb\xbf")
            buf = io.BytesIO()
            pacsv.write_csv(out, buf, pacsv.WriteOptions(include_header=self.first, quoting_style="needed"))
            data = buf.getvalue()
            if spec.encoding == "gbk":
                data = data.decode("utf-8").encode("gbk")
            self._fh.write(data)
        elif spec.fmt == "parquet":
            if self._pq is None:
                self._pq_schema = out.schema
                self._pq = pq.ParquetWriter(self.path, out.schema, compression="zstd")
            self._pq.write_table(out.cast(self._pq_schema))
        elif spec.fmt == "jsonl":
            if self._fh is None:
                self._fh = self.path.open("wb")
            part = self.path.with_suffix(".part")
            self.con.register("_json", out)
            self.con.execute(f"COPY _json TO '{part.as_posix()}' (FORMAT json)")
            self.con.unregister("_json")
            self._fh.write(part.read_bytes())
            part.unlink()
        else:
            self._buffer.append(out)
        self.first = False

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        if self._pq is not None:
            self._pq.close()
        if self.spec.fmt == "xlsx":
            self._write_xlsx()
        elif self.spec.fmt == "xls":
            self._write_xls()

    def _cells(self) -> tuple[list[str], list[list[Any]]]:
        table = pa.concat_tables(self._buffer)
        return table.column_names, [list(r.values()) for r in table.to_pylist()]

    def _write_xlsx(self) -> None:
        from openpyxl import Workbook

        headers, rows = self._cells()
        wb = Workbook(write_only=True)
        wb.properties.creator = "鲜源食品 ERP"
        wb.properties.created = FIXED_TIME
        wb.properties.modified = FIXED_TIME
        ws = wb.create_sheet(self.spec.sheet)
        if self.spec.title:
            ws.append([self.spec.title])
            if self.spec.subtitle:
                ws.append([self.spec.subtitle])
        ws.append(headers)
        for r in rows:
            ws.append(r)
        buf = io.BytesIO()
        wb.save(buf)
        self.path.write_bytes(_normalise_zip(buf.getvalue()))

    def _write_xls(self) -> None:
        import xlwt

        headers, rows = self._cells()
        wb = xlwt.Workbook(encoding="utf-8")
        ws = wb.add_sheet(self.spec.sheet)
        r0 = 0
        if self.spec.title:
            ws.write(0, 0, self.spec.title)
            r0 = 1
            if self.spec.subtitle:
                ws.write(1, 0, self.spec.subtitle)
                r0 = 2
        for j, h in enumerate(headers):
            ws.write(r0, j, h)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is not None:
                    ws.write(r0 + 1 + i, j, v)
        buf = io.BytesIO()
        wb.save(buf)
        self.path.write_bytes(buf.getvalue())


class EntitySink:
    """All files of one entity key (e.g. online orders of one platform), monthly files when asked."""

    def __init__(self, spec: FileSpec, out_dir: Path, con: duckdb.DuckDBPyConnection) -> None:
        self.spec = spec
        self.out_dir = out_dir
        self.con = con
        self.writers: dict[str, _FileWriter] = {}
        self.order: list[str] = []

    def _writer(self, month: str) -> _FileWriter:
        if month not in self.writers:
            name = self.spec.name.replace("{month}", month) if self.spec.monthly else self.spec.name
            spec = self.spec if not self.order else _without_dirty(self.spec)
            self.writers[month] = _FileWriter(spec, self.out_dir / name, self.con)
            self.order.append(month)
        return self.writers[month]

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        if not self.spec.monthly:
            self._writer("").write(table)
            return
        col = table.column(self.spec.month_column or "date")
        if pa.types.is_timestamp(col.type):
            col = col.cast(pa.date32())
        days = np.asarray(col.cast(pa.int32()).to_numpy(zero_copy_only=False), dtype="datetime64[D]")
        months = days.astype("datetime64[M]")
        uniq = np.unique(months)
        for m in uniq:
            idx = np.flatnonzero(months == m)
            part = table.take(pa.array(idx)) if len(uniq) > 1 else table
            self._writer(str(m)).write(part)

    def close(self) -> list[WrittenFile]:
        files = []
        mapping_path = None
        for month in self.order:
            w = self.writers[month]
            w.close()
            if self.spec.headers or self.spec.mapping:
                mapping_path = w.path.with_name(w.path.stem + ".mapping.yaml")
                mapping_path.write_text(_mapping_yaml(self.spec), encoding="utf-8")
            dirty = [dict(d, file=w.path.name) for d in w.dirty]
            files.append(WrittenFile(self.spec.entity, w.path, mapping_path, w.rows, dirty))
        return files


def _without_dirty(spec: FileSpec) -> FileSpec:
    from dataclasses import replace

    return replace(spec, dirty=(), full_width=())


def _mapping_yaml(spec: FileSpec) -> str:
    data: dict[str, Any] = {}
    if spec.headers:
        data["columns"] = {k: v for k, v in spec.headers.items() if k not in spec.drop}
    for k, v in (spec.mapping or {}).items():
        data[k] = v
    if spec.fmt in ("xlsx", "xls"):
        data.setdefault("sheet", spec.sheet)
        data.setdefault("header_row", spec.header_row)
    if spec.encoding == "gbk":
        data.setdefault("encoding", "gbk")
    head = (
        f"# {spec.entity}: 列映射(标准列名: 文件中的列名) / column mapping (canonical: header in the file)\n"
    )
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200)
