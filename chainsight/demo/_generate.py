"""generate(): the demo company's export files, manifest.json and truth.json."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from chainsight.demo import _catalog as cat
from chainsight.demo import _demand, _supply, _tables
from chainsight.demo._calendar import DEFAULT_END, Calendar, default_start
from chainsight.demo._files import EntitySink, WrittenFile
from chainsight.demo._master import Company, build_company
from chainsight.demo._scale import get_scale
from chainsight.demo._specs import file_specs
from chainsight.demo._truth import build_truth
from chainsight.model import LOAD_ORDER

GENERATOR_VERSION = 2  # 2: promotions.discount_pct renamed discount_rate
FACT_ENTITIES = (
    "customer_orders",
    "sell_in",
    "sell_out",
    "online_orders",
    "purchase_orders",
    "receipts",
    "production_orders",
    "material_consumption",
    "inventory",
    "write_offs",
)
Progress = Callable[[str, int, int], None]
"""progress(stage, done, total)."""


@dataclass(frozen=True)
class ManifestEntry:
    """One file to load: its entity, its path relative to the output folder, and its mapping file (or None)."""

    entity: str
    file: str
    mapping: str | None
    rows: int


@dataclass
class Manifest:
    """What :func:`generate` wrote, in load order. ``manifest.json`` holds the same content."""

    out_dir: Path
    scale: str
    seed: int
    start: dt.date
    end: dt.date
    signals: bool
    dirty: bool
    files: list[ManifestEntry] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def fact_rows(self) -> int:
        """Rows of transactions and snapshots (sell-in, sell-out, online orders, inventory …)."""
        return sum(n for e, n in self.rows.items() if e in FACT_ENTITIES)

    def to_dict(self) -> dict[str, Any]:
        """The content of ``manifest.json`` (files in load order, rows per entity)."""
        return {
            "generator": "chainsight.demo",
            "version": GENERATOR_VERSION,
            "scale": self.scale,
            "seed": self.seed,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "signals": self.signals,
            "dirty": self.dirty,
            "rows": self.rows,
            "fact_rows": self.fact_rows,
            "files": [asdict(e) for e in self.files],
        }

    @classmethod
    def load(cls, out_dir: str | os.PathLike[str]) -> Manifest:
        """Read ``out_dir/manifest.json``."""
        path = Path(out_dir) / "manifest.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            out_dir=Path(out_dir),
            scale=data["scale"],
            seed=int(data["seed"]),
            start=dt.date.fromisoformat(data["start"]),
            end=dt.date.fromisoformat(data["end"]),
            signals=bool(data.get("signals", True)),
            dirty=bool(data.get("dirty", True)),
            files=[ManifestEntry(**e) for e in data["files"]],
            rows={k: int(v) for k, v in data["rows"].items()},
        )


def generate(
    out_dir: str | os.PathLike[str],
    scale: str = "tiny",
    seed: int = 0,
    *,
    end: dt.date | None = None,
    signals: bool = True,
    dirty: bool = True,
    progress: Progress | None = None,
) -> Manifest:
    """Write the demo company 鲜源食品 as ERP-style export files into ``out_dir``.

    The same ``scale`` and ``seed`` always produce byte-identical files. ``signals=False`` writes a
    company without the planted business problems, ``dirty=False`` one without the planted bad rows.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as out:
    ...     m = generate(out, scale="tiny", seed=0)
    >>> m.files[0].entity
    'regions'
    """
    sc = get_scale(scale)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    end = end or DEFAULT_END
    cal = Calendar(default_start(end), end)
    steps = 9
    step = 0

    def tick(stage: str) -> None:
        nonlocal step
        step += 1
        if progress:
            progress(stage, step, steps)

    for stale in (
        list(out.glob("*.csv"))
        + list(out.glob("*.xlsx"))
        + list(out.glob("*.xls"))
        + list(out.glob("*.parquet"))
        + list(out.glob("*.jsonl"))
        + list(out.glob("*.mapping.yaml"))
    ):
        stale.unlink()
    co = build_company(sc, cal, seed, signals=signals)
    tick("master data")
    con = duckdb.connect()
    specs = file_specs(co, dirty)
    sinks: dict[tuple[str, str | None], EntitySink] = {}

    def sink(entity: str, key: str | None) -> EntitySink:
        k = (entity, key)
        if k not in sinks:
            sinks[k] = EntitySink(specs[k], out, con)
        return sinks[k]

    def emit(entity: str, key: str | None, table: pa.Table) -> None:
        sink(entity, key).write(table)

    fx = _demand.factors(co)
    demand = _demand.new_demand(co)
    _demand.generate_sell_out(co, fx, emit, demand)
    tick("sell-out")
    _demand.generate_online(co, fx, emit, demand)
    tick("online orders")
    _choose_stuffed_skus(co, demand)
    rep = _supply.replenish(co, demand)
    net = _supply.simulate_network(co, rep, demand)
    tick("stock flows")
    pur = _supply.simulate_purchasing(co, net)
    tick("purchasing")
    for table in _tables.customer_order_tables(co, rep, net):
        emit("customer_orders", None, table)
    si = _tables.sell_in_lines(co, rep, net)
    for table in _tables.sell_in_tables(co, si):
        emit("sell_in", None, table)
    emit("production_orders", None, _tables.production_table(co, net))
    pids = _tables.purchasing_ids(co, pur)
    for name, table in _tables.purchasing_tables(co, pur, pids).items():
        emit(name, None, table)
    emit("material_consumption", None, _tables.consumption_table(co, net, pur, pids))
    inv, wo, inv_info = _tables.inventory_and_write_offs(co, rep, net, pur, demand, si, pids)
    emit("inventory", None, inv)
    emit("write_offs", None, wo)
    tick("transactions")
    for name, table in _tables.master_tables(co, net, pur).items():
        emit(name, None, table)
    targets, t_info = _tables.targets_table(co, si, demand.online_paid_cm)
    emit("targets", None, targets)
    tick("master files")
    written: dict[str, list[WrittenFile]] = {}
    for (entity, _), s in sinks.items():
        written.setdefault(entity, []).extend(s.close())
    con.close()
    tick("files")
    manifest = Manifest(
        out_dir=out, scale=sc.name, seed=seed, start=cal.start, end=cal.end, signals=signals, dirty=dirty
    )
    dirty_rows: list[dict[str, Any]] = []
    for entity in LOAD_ORDER:
        for wf in written.get(entity, []):
            manifest.files.append(
                ManifestEntry(entity, wf.path.name, wf.mapping.name if wf.mapping else None, wf.rows)
            )
            manifest.rows[entity] = manifest.rows.get(entity, 0) + wf.rows
            dirty_rows.extend(wf.dirty)
    truth = build_truth(co, demand, rep, net, pur, si, inv_info, pids, t_info)
    truth["dirty_rows"] = [
        {k: d[k] for k in ("entity", "file", "row_number", "column", "reason_code", "value")}
        for d in dirty_rows
    ]
    truth = {
        "generator": "chainsight.demo",
        "version": GENERATOR_VERSION,
        "scale": sc.name,
        "seed": seed,
        "start": cal.start.isoformat(),
        "end": cal.end.isoformat(),
        "company": cat.COMPANY_ZH,
        **truth,
    }
    _write_json(out / "truth.json", truth)
    _write_json(out / "manifest.json", manifest.to_dict())
    tick("truth")
    return manifest


def _choose_stuffed_skus(co: Company, demand: _demand.Demand) -> None:
    if not co.signals:
        co.plan["stuffed_skus"] = []
        return
    c = co.plan["stuffed_customer"]
    tot = demand.ex_cw[c].sum(axis=1)
    tot[(co.sku["launch"] >= 0) | (co.sku["disc"] < co.cal.n) | (co.sku["shelf"] < 90)] = 0
    top = np.argsort(-tot, kind="stable")[:3]
    co.plan["stuffed_skus"] = [int(x) for x in top if tot[x] > 0 and tot[x] >= 0.4 * tot[top[0]]]


def _write_json(path: Path, data: Any) -> None:
    def default(v: Any) -> Any:
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, np.generic):
            return v.item()
        raise TypeError(type(v))

    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=default) + "\n", encoding="utf-8")
