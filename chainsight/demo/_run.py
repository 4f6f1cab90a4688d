"""run(): generate the demo company (unless already there) and load every file through the real loader."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from chainsight.demo._generate import GENERATOR_VERSION, Manifest, generate
from chainsight.demo._scale import get_scale
from chainsight.warehouse import Warehouse

Progress = Callable[[str, int, int], None]
_COUNTS = ("rows_read", "rows_loaded", "rows_updated", "rows_duplicate", "rows_rejected")


def existing_manifest(out_dir: str | os.PathLike[str], scale: str, seed: int) -> Manifest | None:
    """The manifest in ``out_dir`` when it was generated with this scale and seed and all its files exist."""
    path = Path(out_dir) / "manifest.json"
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if (
            data.get("version") != GENERATOR_VERSION
            or data.get("scale") != scale
            or int(data.get("seed", -1)) != seed
        ):
            return None
        if not (data.get("signals", True) and data.get("dirty", True)):
            return None
        manifest = Manifest.load(out_dir)
    except (ValueError, KeyError, TypeError):
        return None
    for e in manifest.files:
        if not (manifest.out_dir / e.file).exists() or (
            e.mapping and not (manifest.out_dir / e.mapping).exists()
        ):
            return None
    if not (manifest.out_dir / "truth.json").exists():
        return None
    return manifest


def run(
    out_dir: str | os.PathLike[str],
    warehouse: str | os.PathLike[str] | Warehouse | None = None,
    scale: str = "small",
    seed: int = 0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Generate the demo company into ``out_dir`` (reusing files generated earlier with the same scale and seed)
    and load every file of the manifest, mappings included, into ``warehouse``.

    Returns a summary: per entity the loader's counts, the totals, and whether exactly the planted dirty rows
    were rejected with the planted reasons.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as out:
    ...     summary = run(out, ":memory:", scale="tiny")
    >>> summary["rejects"]["match"]
    True
    """
    from chainsight.ingest import load_files

    get_scale(scale)
    out = Path(out_dir)
    t0 = time.perf_counter()
    manifest = existing_manifest(out, scale, seed)
    generated = manifest is None
    if manifest is None:
        manifest = generate(
            out,
            scale=scale,
            seed=seed,
            progress=(lambda s, d, n: progress(f"generate: {s}", d, n)) if progress else None,
        )
    t1 = time.perf_counter()
    own = not isinstance(warehouse, Warehouse)
    wh = Warehouse.open(warehouse) if own else warehouse  # type: ignore[arg-type]
    assert isinstance(wh, Warehouse)
    per_entity: dict[str, dict[str, Any]] = {}
    try:
        total = len(manifest.files)
        for i, entry in enumerate(manifest.files):
            if progress:
                progress(f"load {entry.entity}: {entry.file}", i, total)
            mapping = out / entry.mapping if entry.mapping else None
            result = load_files(wh, entry.entity, [out / entry.file], mapping=mapping)
            agg = per_entity.setdefault(
                entry.entity, dict(entity=entry.entity, files=0, **{k: 0 for k in _COUNTS})
            )
            agg["files"] += 1
            for k in _COUNTS:
                agg[k] += int(getattr(result, k))
        if progress:
            progress("loaded", total, total)
        rejects = _compare_rejects(wh, manifest)
    finally:
        if own:
            wh.close()
    t2 = time.perf_counter()
    totals = {k: sum(e[k] for e in per_entity.values()) for k in ("files", *_COUNTS)}
    return dict(
        out_dir=str(out),
        warehouse=str(wh.path),
        scale=manifest.scale,
        seed=manifest.seed,
        start=manifest.start.isoformat(),
        end=manifest.end.isoformat(),
        generated=generated,
        generate_seconds=round(t1 - t0, 2),
        load_seconds=round(t2 - t1, 2),
        entities=list(per_entity.values()),
        totals=totals,
        rejects=rejects,
    )


def _compare_rejects(wh: Warehouse, manifest: Manifest) -> dict[str, Any]:
    """Open rejects of the manifest's files against the dirty rows planted in truth.json."""
    truth = json.loads((manifest.out_dir / "truth.json").read_text(encoding="utf-8"))
    expected = {
        (d["entity"], d["file"], int(d["row_number"]), d["reason_code"]) for d in truth.get("dirty_rows", [])
    }
    files = {e.file for e in manifest.files}
    entities = sorted({e.entity for e in manifest.files})
    open_rejects = wh.rejects(status="open").select("entity", "file", "row_number", "reason_code")
    found_rows = set(open_rejects.filter(pl.col("entity").is_in(entities)).unique().iter_rows())
    # the loader may record the file as given (a path); compare by file name
    found = {
        (str(e), Path(str(f)).name, int(r), str(c)) for e, f, r, c in found_rows if Path(str(f)).name in files
    }

    def show(items: set[tuple[str, str, int, str]]) -> list[dict[str, Any]]:
        return [dict(entity=e, file=f, row_number=r, reason_code=c) for e, f, r, c in sorted(items)[:50]]

    return dict(
        expected=len(expected),
        found=len(found),
        match=found == expected,
        unexpected=show(found - expected),
        missing=show(expected - found),
    )
