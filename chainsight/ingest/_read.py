"""Reading source files as text columns with an explicit row index.

Each reader returns a :class:`RawFile`: a temp table (small formats) or a SQL
fragment over DuckDB's CSV reader (large files are never copied), whose rows carry
``__idx`` — the 0-based position in the file — and VARCHAR columns, plus the offset
from ``__idx`` to the physical row number a person sees. Row order is never trusted:
DuckDB may reorder rows of parallel scans, so position travels as data.
"""

from __future__ import annotations

import codecs
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from charset_normalizer import from_bytes

from chainsight._errors import UnreadableFileError
from chainsight.ingest._mapping import Mapping, normalise_header

SAMPLE_BYTES = 1 << 20
CHUNK_BYTES = 16 << 20
_GB_FAMILY = {"gbk", "gb2312", "gb18030", "cp936", "hz", "hz_gb_2312", "euc_cn"}
_DELIMITERS = (",", "\t", ";", "|")
ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class RawFile:
    """A source file's rows as text columns, in file order: a temp ``table``, or — for CSV,
    which may be large — a ``sql`` fragment over DuckDB's reader with named ``params``,
    evaluated where it is used. The n-th row (0-based) is physical row ``n + row_offset``."""

    table: str
    headers: list[str]
    row_offset: int
    encoding: str | None = None
    sql: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def _fail(path: Path, zh: str, en: str) -> UnreadableFileError:
    return UnreadableFileError(zh, en, file=str(path))


def file_format(path: Path) -> str:
    ext = path.suffix.lower()
    if ext in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        return "excel"
    if ext == ".parquet":
        return "parquet"
    if ext in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if ext in (".csv", ".tsv", ".txt", ""):
        return "csv"
    raise _fail(
        path,
        f"不支持的文件格式 “{ext}”;支持 CSV/TSV、Excel(.xlsx/.xls)、Parquet、JSON lines",
        f"unsupported file format '{ext}'; supported: CSV/TSV, Excel (.xlsx/.xls), Parquet, JSON lines",
    )


def _score(fields: list[str], expected: set[str]) -> int:
    return sum(1 for f in fields if normalise_header(f) in expected)


def expected_headers(columns: list[str], mapping: Mapping) -> set[str]:
    names = {normalise_header(c) for c in columns}
    names |= {normalise_header(v) for v in mapping.columns.values()}
    return names


# --------------------------------------------------------------------------- text files
def detect_encoding(path: Path, sample: bytes) -> str:
    """UTF-8 (with or without BOM) first; otherwise charset detection, GB family → GB18030."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise _fail(path, "这是二进制文件,不是文本(CSV)文件", "this is a binary file, not a text (CSV) file")
    for candidate in ("utf-8", "gb18030"):
        # GB18030 before charset detection: on a small file the detector often names
        # cp949 or big5 for GBK text, and Chinese exports are what we read.
        try:
            codecs.getincrementaldecoder(candidate)().decode(sample, final=False)
            return candidate
        except UnicodeDecodeError:
            pass
    best = from_bytes(sample).best()
    enc = (best.encoding if best else "").lower().replace("-", "_")
    if enc in _GB_FAMILY or not enc:
        raise _fail(
            path,
            "无法识别文件编码(不是 UTF-8 也不是 GBK)",
            "cannot tell the encoding (neither UTF-8 nor GBK)",
        )
    return enc


def _transcode(path: Path, encoding: str, workdir: str, progress: ProgressFn | None) -> Path:
    """Stream a non-UTF-8 file into a UTF-8 copy (bounded memory, C codecs)."""
    target = Path(workdir) / (path.name + ".utf8.csv")
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    total = path.stat().st_size
    done = 0
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(CHUNK_BYTES):
            try:
                dst.write(decoder.decode(chunk))
            except UnicodeDecodeError as exc:
                raise _fail(
                    path,
                    f"文件含有不是 {encoding} 编码的字节(约第 {done + exc.start} 字节)",
                    f"file has bytes that are not {encoding} (near byte {done + exc.start})",
                ) from None
            done += len(chunk)
            if progress:
                progress(done, total)
        dst.write(decoder.decode(b"", final=True))
    return target


def _sniff_header(lines: list[str], expected: set[str], delimiter: str | None) -> tuple[int, str]:
    """Pick the header line (0-based) and delimiter: the line matching most expected headers."""
    best = (0, 0, delimiter or ",")
    for i, line in enumerate(lines[:20]):
        for delim in (delimiter,) if delimiter else _DELIMITERS:
            fields = [f.strip().strip('"') for f in line.split(delim)]
            if len(fields) < 2 and len(expected) > 1:
                continue
            score = _score(fields, expected)
            if score > best[1]:
                best = (i, score, delim)
    if best[1] == 0 and not delimiter and lines:
        # Nothing matched: first line, most frequent delimiter.
        best = (0, 0, max(_DELIMITERS, key=lambda d: lines[0].count(d)))
    return best[0], best[2]


def read_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    mapping: Mapping,
    expected: set[str],
    workdir: str,
    progress: ProgressFn | None = None,
) -> RawFile:
    size = path.stat().st_size
    if size == 0:
        raise _fail(path, "文件是空的", "the file is empty")
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    encoding = (mapping.encoding or "").lower() or detect_encoding(path, sample)
    if encoding in ("gbk", "gb2312", "cp936"):
        encoding = "gb18030"  # superset: never fails where GBK would succeed
    if b"\x00" in sample and not encoding.startswith("utf-16"):
        raise _fail(path, "这是二进制文件,不是文本(CSV)文件", "this is a binary file, not a text (CSV) file")
    try:
        text = sample.decode(encoding, errors="ignore")
    except LookupError:
        raise _fail(path, f"未知编码 “{encoding}”", f"unknown encoding '{encoding}'") from None
    lines = [ln for ln in text.splitlines()[:21]]
    if not any(ln.strip() for ln in lines):
        raise _fail(path, "文件没有内容", "the file has no content")
    source = path
    if encoding not in ("utf-8", "utf-8-sig", "utf8"):
        source = _transcode(path, encoding, workdir, progress)
    if mapping.header_row is not None:
        header_idx = mapping.header_row - 1
        delim = mapping.delimiter or _sniff_header(lines[header_idx : header_idx + 1], expected, None)[1]
    else:
        header_idx, delim = _sniff_header(lines, expected, mapping.delimiter)
    # Large files are never copied into a table: the pipeline reads them where needed through
    # this fragment. Only the header is read here; the loader's single typing pass parses the
    # rest, turns a CSV error into an UnreadableFileError naming the file, and falls back to the
    # serial reader when a quoted field holds a line break (see ``csv_retry_serial``).
    key = table.rsplit("_", 1)[-1]
    reader = (
        f"read_csv(${key}_path, all_varchar=true, header=true, skip=${key}_skip, delim=${key}_delim, "
        f"null_padding=true, strict_mode=false, normalize_names=false, parallel=${key}_parallel)"
    )
    params: dict[str, Any] = {
        f"{key}_path": str(source),
        f"{key}_skip": header_idx,
        f"{key}_delim": delim,
        f"{key}_parallel": True,
    }
    try:
        headers = [d[0] for d in con.execute(f"SELECT * FROM {reader} LIMIT 0", params).description]
    except duckdb.Error as exc:
        raise _fail(path, f"无法解析 CSV:{exc}", f"cannot parse the CSV: {exc}") from None
    # Header line is header_idx + 1 (1-based); the first data row (ordinality 1) is header_idx + 2.
    return RawFile(table, headers, header_idx + 2, encoding, sql=f"SELECT * FROM {reader}", params=params)


def csv_retry_serial(params: dict[str, Any], error: Exception) -> bool:
    """After a CSV error: switch the reader to serial mode when that is the cure; True if switched."""
    flags = [k for k in params if k.endswith("_parallel") and params[k]]
    message = str(error).lower()
    # DuckDB's parallel reader gives up on quoted line breaks and on some large files; it names the cure.
    if flags and (
        "quoted new lines" in message or "parallel = false" in message or "parallel csv reader" in message
    ):
        for k in flags:
            params[k] = False
        return True
    return False


def csv_error(path: str, error: Exception) -> UnreadableFileError:
    return UnreadableFileError(f"无法解析 CSV:{error}", f"cannot parse the CSV: {error}", file=path)


# --------------------------------------------------------------------------- excel
def read_excel(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, mapping: Mapping, expected: set[str]
) -> RawFile:
    import fastexcel

    if path.stat().st_size == 0:
        raise _fail(path, "文件是空的", "the file is empty")
    try:
        reader = fastexcel.read_excel(str(path))
        sheet_names = reader.sheet_names
    except Exception as exc:  # fastexcel raises its own hierarchy for corrupt/truncated files
        raise _fail(
            path,
            f"无法打开 Excel 文件(文件损坏或不完整):{exc}",
            f"cannot open the Excel file (corrupt or truncated): {exc}",
        ) from None
    if not sheet_names:
        raise _fail(path, "Excel 文件没有工作表", "the Excel file has no sheets")

    def probe(sheet: str | int) -> tuple[int, int]:
        # skip_rows=0 keeps leading blank rows, so indices are the sheet's own (as header_row expects).
        head = reader.load_sheet(sheet, header_row=None, skip_rows=0, n_rows=20, dtypes="string").to_arrow()
        best = (0, -1)
        for i in range(head.num_rows):
            fields = [str(head.column(j)[i].as_py() or "") for j in range(head.num_columns)]
            score = _score(fields, expected)
            if score > best[1]:
                best = (i, score)
        return best

    try:
        if mapping.sheet is not None:
            if isinstance(mapping.sheet, str) and mapping.sheet not in sheet_names:
                raise _fail(
                    path,
                    f"找不到工作表 “{mapping.sheet}”;工作表有:{', '.join(sheet_names)}",
                    f"no sheet '{mapping.sheet}'; sheets: {', '.join(sheet_names)}",
                )
            sheet: str | int = mapping.sheet
            header_idx = mapping.header_row - 1 if mapping.header_row else probe(sheet)[0]
        else:
            scored = [(probe(name), name) for name in sheet_names]
            (header_idx, _), sheet = max(scored, key=lambda s: s[0][1])
            if mapping.header_row:
                header_idx = mapping.header_row - 1
        batch = reader.load_sheet(sheet, header_row=header_idx, dtypes="string").to_arrow()
    except UnreadableFileError:
        raise
    except Exception as exc:
        raise _fail(path, f"无法读取工作表:{exc}", f"cannot read the sheet: {exc}") from None
    headers = list(batch.schema.names)
    import numpy as np
    import pyarrow as pa

    indexed = pa.Table.from_batches([batch]).append_column("__idx", pa.array(np.arange(batch.num_rows)))
    con.register(f"{table}__arrow", indexed)
    con.execute(f'CREATE OR REPLACE TEMP TABLE "{table}" AS SELECT * FROM "{table}__arrow"')
    con.unregister(f"{table}__arrow")
    return RawFile(table, headers, header_idx + 2)


# --------------------------------------------------------------------------- parquet / json lines
def _read_typed(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, reader_sql: str, kind: str
) -> RawFile:
    if path.stat().st_size == 0:
        raise _fail(path, "文件是空的", "the file is empty")
    try:
        cols = con.execute(f"DESCRIBE SELECT * FROM {reader_sql}", [str(path)]).fetchall()

        def text(name: str, type_: str) -> str:
            quoted = '"' + name.replace('"', '""') + '"'
            # A JSON key holding both numbers and strings is typed JSON; its text is unquoted.
            value = f"json_extract_string({quoted}, '$')" if type_ == "JSON" else quoted
            return f"CAST({value} AS VARCHAR) AS {quoted}"

        select = ", ".join(text(c[0], c[1]) for c in cols)
        con.execute(
            f'CREATE OR REPLACE TEMP TABLE "{table}" AS SELECT ordinality - 1 AS __idx, {select} '
            f"FROM {reader_sql} WITH ORDINALITY",
            [str(path)],
        )
    except duckdb.Error as exc:
        raise _fail(
            path,
            f"无法读取 {kind} 文件(文件损坏或不完整):{exc}",
            f"cannot read the {kind} file (corrupt or truncated): {exc}",
        ) from None
    return RawFile(table, [c[0] for c in cols], 1)


def read_parquet(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> RawFile:
    return _read_typed(con, path, table, "read_parquet(?)", "Parquet")


def read_jsonl(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> RawFile:
    return _read_typed(con, path, table, "read_json(?, format='newline_delimited')", "JSON lines")


def read_any(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    mapping: Mapping,
    expected: set[str],
    workdir: str,
    progress: ProgressFn | None = None,
) -> RawFile:
    if not path.exists():
        raise _fail(path, "文件不存在", "file does not exist")
    if path.is_dir():
        raise _fail(path, "这是一个文件夹,不是文件", "this is a folder, not a file")
    fmt = file_format(path)
    if fmt == "excel":
        if path.suffix.lower() in (".xlsx", ".xlsm") and not zipfile.is_zipfile(path):
            raise _fail(
                path,
                "Excel 文件已损坏或不完整(不是有效的 xlsx 压缩包)",
                "the Excel file is corrupt or truncated (not a valid xlsx archive)",
            )
        return read_excel(con, path, table, mapping, expected)
    if fmt == "parquet":
        return read_parquet(con, path, table)
    if fmt == "jsonl":
        return read_jsonl(con, path, table)
    return read_csv(con, path, table, mapping, expected, workdir, progress)


def make_workdir() -> str:
    return tempfile.mkdtemp(prefix="chainsight-load-", dir=os.environ.get("CHAINSIGHT_TMP"))
