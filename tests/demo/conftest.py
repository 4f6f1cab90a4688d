"""A tiny demo company generated once per session, and an independent reader of its files.

The reader does not use chainsight.ingest: it reads each export with pyarrow / fastexcel / DuckDB, renames
headers with the mapping file, and exposes every entity as a DuckDB table of text columns plus
``_file`` and ``_row`` (the physical row number a person sees), so tests compute their expectations
with hand-written SQL.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import yaml

from chainsight.demo import Manifest, generate

SEED = int(os.environ.get("CHAINSIGHT_DEMO_TEST_SEED", "0"))


def _read_file(path: Path, mapping: dict[str, Any] | None) -> tuple[pa.Table, int]:
    """The file as text columns with canonical names, and the physical row number of its first data row."""
    mapping = mapping or {}
    header_row = int(mapping.get("header_row", 1))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        enc = {"gbk": "gb18030"}.get(mapping.get("encoding", ""), "utf-8")
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding=enc, skip_rows=header_row - 1),
            convert_options=pacsv.ConvertOptions(
                strings_can_be_null=False, column_types={}, auto_dict_encode=False
            ),
        )
        table = pa.table({n: table.column(n).cast(pa.string()) for n in table.column_names})
        names = [n.lstrip("\ufeff") for n in table.column_names]
        table = table.rename_columns(names)
    elif suffix in (".xlsx", ".xls"):
        import fastexcel

        reader = fastexcel.read_excel(str(path))
        batch = reader.load_sheet(
            mapping.get("sheet", 0), header_row=header_row - 1, dtypes="string"
        ).to_arrow()
        table = pa.Table.from_batches([batch])
    elif suffix == ".parquet":
        table = pq.read_table(path)
        table = pa.table({n: table.column(n).cast(pa.string()) for n in table.column_names})
    else:
        con = duckdb.connect()
        table = con.execute(
            "SELECT * FROM read_json(?, format='newline_delimited')", [str(path)]
        ).to_arrow_table()
        table = pa.table({n: table.column(n).cast(pa.string()) for n in table.column_names})
    rename = {src: canon for canon, src in (mapping.get("columns") or {}).items()}
    table = table.rename_columns([rename.get(n, n) for n in table.column_names])
    for col, value in (mapping.get("constants") or {}).items():
        table = table.append_column(col, pa.array([str(value)] * table.num_rows, pa.string()))
    first = header_row + 1 if suffix in (".csv", ".xlsx", ".xls") else 1
    return table, first


class DemoFiles:
    """The generated folder: manifest, truth and a DuckDB connection with one view per entity."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.manifest = Manifest.load(out)
        self.truth: dict[str, Any] = json.loads((out / "truth.json").read_text(encoding="utf-8"))
        self.con = duckdb.connect()
        # value parsers for the export formats the generator uses (independent of chainsight.ingest)
        self.con.execute(
            "CREATE MACRO num(x) AS TRY_CAST(replace(replace(regexp_replace(translate(x, '０１２３４５６７８９', "
            "'0123456789'), '[￥¥,%]', '', 'g'), '(', '-'), ')', '') AS DOUBLE) "
            "/ CASE WHEN contains(x, '%') THEN 100 ELSE 1 END"
        )
        self.con.execute(
            "CREATE MACRO dt(x) AS COALESCE(TRY_CAST(x AS DATE), TRY_CAST(try_strptime(x, '%Y/%m/%d') AS DATE), "
            "TRY_CAST(try_strptime(x, '%Y%m%d') AS DATE), TRY_CAST(try_strptime(x, '%Y年%m月%d日') AS DATE))"
        )
        dirty = {(d["file"], d["row_number"]) for d in self.truth["dirty_rows"]}
        by_entity: dict[str, list[pa.Table]] = {}
        for e in self.manifest.files:
            mapping = yaml.safe_load((out / e.mapping).read_text(encoding="utf-8")) if e.mapping else None
            table, first = _read_file(out / e.file, mapping)
            rows = pa.array(range(first, first + table.num_rows), pa.int64())
            table = table.append_column("_file", pa.array([e.file] * table.num_rows, pa.string()))
            table = table.append_column("_row", rows)
            table = table.append_column(
                "_dirty",
                pa.array([(e.file, r) in dirty for r in range(first, first + table.num_rows)], pa.bool_()),
            )
            by_entity.setdefault(e.entity, []).append(table)
        for entity, tables in by_entity.items():
            self.con.register(f"raw_{entity}", pa.concat_tables(tables, promote_options="permissive"))
            # clean view: planted dirty rows removed
            self.con.execute(f"CREATE VIEW {entity} AS SELECT * FROM raw_{entity} WHERE NOT _dirty")

    def sql(self, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(query, params or []).fetchall()

    def scalar(self, query: str, params: list[Any] | None = None) -> Any:
        return self.con.execute(query, params or []).fetchone()[0]  # type: ignore[index]


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "tiny"
    generate(out, scale="tiny", seed=SEED)
    return out


@pytest.fixture(scope="session")
def demo(demo_dir: Path) -> Iterator[DemoFiles]:
    files = DemoFiles(demo_dir)
    yield files
    files.con.close()
