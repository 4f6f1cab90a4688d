"""The generator writes a complete, reproducible company: every entity, mappings that parse, a truth file."""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from chainsight.demo import SCALES, SIGNALS, Manifest, generate
from chainsight.ingest import Mapping
from chainsight.model import ENTITIES, LOAD_ORDER, get_entity

if TYPE_CHECKING:
    from tests.demo.conftest import DemoFiles

LOADER_CODES = {
    "missing_required",
    "bad_number",
    "bad_integer",
    "bad_date",
    "bad_timestamp",
    "not_allowed",
    "out_of_range",
    "duplicate_key",
    "unknown_reference",
}


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()
    }


def test_same_seed_writes_byte_identical_files(demo_dir: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(again, scale="tiny", seed=Manifest.load(demo_dir).seed)
    assert _digests(again) == _digests(demo_dir)


def test_another_seed_writes_another_company(demo_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    generate(other, scale="tiny", seed=Manifest.load(demo_dir).seed + 1)
    a, b = _digests(demo_dir), _digests(other)
    assert a["sell_out.csv"] != b["sell_out.csv"]
    assert a.keys() == b.keys()


def test_manifest_lists_every_entity_in_load_order(demo_dir: Path) -> None:
    manifest = Manifest.load(demo_dir)
    entities = [e.entity for e in manifest.files]
    assert set(entities) == set(ENTITIES)
    assert entities == sorted(entities, key=LOAD_ORDER.index)
    raw = json.loads((demo_dir / "manifest.json").read_text(encoding="utf-8"))
    assert [f["file"] for f in raw["files"]] == [e.file for e in manifest.files]


def test_every_manifest_file_and_mapping_exists_and_mappings_fit_their_entity(demo_dir: Path) -> None:
    manifest = Manifest.load(demo_dir)
    for e in manifest.files:
        assert (demo_dir / e.file).is_file(), e.file
        assert e.rows > 0, e.file
        if e.mapping:
            mapping = Mapping.from_yaml(demo_dir / e.mapping)
            mapping.validate_for(get_entity(e.entity))


def test_formats_are_those_of_real_exports(demo_dir: Path) -> None:
    names = {p.name for p in demo_dir.iterdir()}
    assert {
        "products.xlsx",
        "targets.xlsx",
        "suppliers.xls",
        "online_orders_tmall.parquet",
        "online_orders_douyin.jsonl",
    } <= names
    gbk = (demo_dir / "sell_in.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        gbk.decode("utf-8")
    text = gbk.decode("gbk")
    header = text.splitlines()[0]
    assert "单据编号" in header and "业务日期" in header
    assert "￥" in text and "(" in text  # ¥ amounts and (12.00) returns
    assert any(ch in text for ch in "０１２３４５６７８９")  # a few full-width digits
    assert (demo_dir / "materials.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM


def test_fact_rows_of_tiny_are_in_its_budget(demo_dir: Path) -> None:
    manifest = Manifest.load(demo_dir)
    assert 30_000 <= manifest.fact_rows <= 100_000
    assert manifest.start.isoformat() == "2024-10-01" and manifest.end.isoformat() == "2026-10-31"


def test_scales_grow_in_size() -> None:
    order = ["tiny", "small", "medium", "large"]
    assert list(SCALES) == order
    assert all(
        SCALES[a].online_lines_per_day < SCALES[b].online_lines_per_day for a, b in itertools.pairwise(order)
    )
    assert SCALES["small"].n_sku >= 100


def test_truth_describes_every_planted_signal(demo: DemoFiles) -> None:
    signals = demo.truth["signals"]
    assert set(signals) == set(SIGNALS)
    for name, sig in signals.items():
        assert sig["id"].startswith(name + "/"), name
        assert sig["period"]["start"] <= sig["period"]["end"], name
        assert sig["magnitude"], name


def test_dirty_rows_are_few_and_use_loader_reason_codes(demo: DemoFiles) -> None:
    dirty = demo.truth["dirty_rows"]
    assert 5 <= len(dirty) <= 15
    codes = {d["reason_code"] for d in dirty}
    assert codes <= LOADER_CODES | {c.code for e in ENTITIES.values() for c in e.checks}
    assert {"bad_number", "bad_date", "unknown_reference", "duplicate_key", "not_allowed"} <= codes


def test_dirty_rows_sit_at_the_recorded_physical_row(demo: DemoFiles) -> None:
    for d in demo.truth["dirty_rows"]:
        if d["value"] is None or d["reason_code"] == "duplicate_key":
            continue
        value = demo.scalar(
            f'SELECT "{d["column"] if d["reason_code"] != "expiry_before_mfg" else "expiry_date"}" '
            f"FROM raw_{d['entity']} WHERE _file = ? AND _row = ?",
            [d["file"], d["row_number"]],
        )
        assert value == d["value"], d


def test_duplicate_row_repeats_an_earlier_key(demo: DemoFiles) -> None:
    dup = next(d for d in demo.truth["dirty_rows"] if d["reason_code"] == "duplicate_key")
    n = demo.scalar(
        f"SELECT count(*) FROM raw_{dup['entity']} a JOIN raw_{dup['entity']} b ON a.doc_id = b.doc_id "
        "AND a.line_no = b.line_no AND a._row < b._row WHERE b._file = ? AND b._row = ?",
        [dup["file"], dup["row_number"]],
    )
    assert n == 1


def test_clean_company_has_no_signals_and_no_dirty_rows(tmp_path: Path) -> None:
    generate(tmp_path, scale="tiny", seed=0, signals=False, dirty=False)
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert truth["signals"] == {} and truth["dirty_rows"] == []
