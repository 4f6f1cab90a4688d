"""Build the tiny demo company into a folder and load it (shared by the channel tests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chainsight.demo import generate
from chainsight.ingest import load_files
from chainsight.warehouse import Warehouse


def build_demo(out: Path, seed: int, signals: bool = True) -> tuple[Path, dict[str, Any]]:
    """Generate the tiny demo into ``out`` and load it; returns the warehouse path and truth.json's signals."""
    manifest = generate(out / "files", scale="tiny", seed=seed, signals=signals)
    path = out / "w.duckdb"
    wh = Warehouse.open(path)
    try:
        for e in manifest.files:
            mapping = (out / "files" / e.mapping) if e.mapping else None
            load_files(wh, e.entity, [out / "files" / e.file], mapping=mapping)
    finally:
        wh.close()
    truth = json.loads((out / "files" / "truth.json").read_text(encoding="utf-8"))["signals"]
    return path, truth
