"""A pipeline run killed mid-way (a real SIGKILL) and rerun ends exactly like an uninterrupted run."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pipeline_helpers import Hook, make_workspace

from chainsight.appdb import AppDB
from chainsight.pipeline import ENV_FAULT

FAST_STEPS = ["load", "rollups", "alerts", "deliver", "report"]
# bookkeeping columns that differ between any two runs by nature (ids, clocks, paths of the temp folders)
VOLATILE = {
    "fingerprint",
    "refreshed_at",
    "_batch_id",
    "batch_id",
    "resolved_batch_id",
    "created_at",
    "started_at",
    "finished_at",
    "files",
    "file",
    "version",
}


def run_cli(config: Path, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != ENV_FAULT}
    env["CHAINSIGHT_LANG"] = "en"
    if fault:
        env[ENV_FAULT] = fault
    return subprocess.run(
        [sys.executable, "-m", "chainsight.cli", "run", "--config", str(config), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def warehouse_fingerprint(path: Path) -> dict[str, tuple[int, int]]:
    """Per table: row count and an order-independent checksum of its rows (doubles rounded)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall():
            cols = [
                (f'round("{c}", 4)' if t in ("DOUBLE", "FLOAT") or t.startswith("DECIMAL") else f'"{c}"')
                for c, t, *_ in con.execute(f'DESCRIBE "{table}"').fetchall()
                if c not in VOLATILE
            ]
            n, h = con.execute(
                f'SELECT count(*), coalesce(sum(hash({", ".join(cols)})::HUGEINT), 0) FROM "{table}"'
            ).fetchone()  # type: ignore[misc]
            out[table] = (int(n), int(h))
        return out
    finally:
        con.close()


def app_state(root: Path) -> dict[str, Any]:
    from chainsight.alerts import deliveries, list_alerts

    db = AppDB(f"sqlite:///{root / 'chainsight.app.sqlite'}")
    try:
        alerts = sorted(
            (a.rule_id, a.fingerprint, a.state, a.severity, a.seen_count)
            for a in list_alerts(db, states=None)
        )
        sent = collections.Counter(
            (d["status"], d.get("channel"), d.get("event")) for d in deliveries(db, limit=100_000)
        )
    finally:
        db.close()
    return {"alerts": alerts, "deliveries": dict(sent)}


def config_overrides(hook: Hook, steps: list[str]) -> dict[str, Any]:
    return {
        "steps": steps,
        "forecast": {"level": "sku", "bucket": "week", "horizon": 4},
        "report": {"langs": ["en"], "formats": ["html"]},
        "delivery": {
            "channels": {"hook": {"type": "webhook", "url": hook.url, "lang": "en"}},
            "routes": [{"channels": ["hook"]}],
        },
    }


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def test_run_killed_mid_load_resumes_to_the_same_warehouse(
    tmp_path: Path, demo_files: Path, hook: Hook
) -> None:
    steps = ["load", "rollups"]
    # master data and sell-in only (kept small for the default suite): sell_in.csv is the 15th file
    manifest = json.loads((demo_files / "manifest.json").read_text(encoding="utf-8"))
    names = [e["file"] for e in manifest["files"]]
    only = set(names[: names.index("sell_in.csv") + 1])
    base = make_workspace(tmp_path / "base", demo_files, only=only, **config_overrides(hook, steps))
    assert run_cli(base).returncode == 0
    cfg = make_workspace(tmp_path / "crash", demo_files, only=only, **config_overrides(hook, steps))
    assert run_cli(cfg, fault="load:15").returncode == -signal.SIGKILL
    assert "sell_in.csv" in _files(cfg.parent / "inbox")  # killed inside its load: not moved
    assert run_cli(cfg, fault="after:load").returncode == -signal.SIGKILL
    done = run_cli(cfg)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["attempts"] == 3 and [s["state"] for s in record["steps"]] == ["done", "done"]
    assert warehouse_fingerprint(cfg.parent / "chainsight.duckdb") == warehouse_fingerprint(
        base.parent / "chainsight.duckdb"
    )
    assert _files(cfg.parent / "inbox" / "done") == _files(base.parent / "inbox" / "done")


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_result(tmp_path: Path, demo_files: Path, hook: Hook) -> None:
    # the uninterrupted run, with its own webhook server
    base_hook = Hook()
    try:
        base_cfg = make_workspace(tmp_path / "base", demo_files, **config_overrides(base_hook, FAST_STEPS))
        done = run_cli(base_cfg)
        assert done.returncode == 0, done.stderr
        base_record = json.loads(done.stdout)
        base_received = len(base_hook.bodies)
    finally:
        base_hook.close()
    assert base_record["status"] == "finished"
    assert base_received > 0  # the demo's planted problems raise alerts, and they were delivered

    cfg = make_workspace(tmp_path / "crash", demo_files, **config_overrides(hook, FAST_STEPS))
    root = cfg.parent
    # 1. SIGKILL inside the 15th file's load transaction (sell_in.csv, after 14 master-data files)
    first = run_cli(cfg, fault="load:15")
    assert first.returncode == -signal.SIGKILL
    done_names = _files(root / "inbox" / "done")
    assert len(done_names) == 14 and "sell_in.csv" in _files(root / "inbox")
    con = duckdb.connect(str(root / "chainsight.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM _cs_load_history").fetchone()[0] == 14
    assert con.execute("SELECT count(*) FROM sell_in").fetchone()[0] == 0  # the killed load left nothing
    con.close()
    # 2. resumed, then SIGKILL at the boundary between evaluating alerts and delivering them
    second = run_cli(cfg, fault="before:deliver")
    assert second.returncode == -signal.SIGKILL
    assert hook.bodies == []
    # 3. resumed to the end
    third = run_cli(cfg)
    assert third.returncode == 0, third.stderr
    record = json.loads(third.stdout)
    assert record["run_id"] == 1 and record["attempts"] == 3 and record["status"] == "finished"
    assert [s["state"] for s in record["steps"]] == [s["state"] for s in base_record["steps"]]
    loaded = [f["file"] for f in record["steps"][0]["detail"]["files"]]
    assert sorted(loaded) == sorted(set(loaded)) and len(loaded) == len(_files(root / "inbox" / "done"))

    assert warehouse_fingerprint(root / "chainsight.duckdb") == warehouse_fingerprint(
        tmp_path / "base" / "chainsight.duckdb"
    )
    assert app_state(root) == app_state(tmp_path / "base")
    assert len(hook.bodies) == base_received
    assert _files(root / "output" / "reports") == _files(tmp_path / "base" / "output" / "reports")

    # 4. a second run with nothing new loads nothing and sends nothing again
    again = run_cli(cfg)
    assert again.returncode == 0, again.stderr
    rec = json.loads(again.stdout)
    assert rec["run_id"] == 2 and rec["steps"][0]["detail"]["files_loaded"] == 0
    assert len(hook.bodies) == base_received
    assert app_state(root)["deliveries"] == app_state(tmp_path / "base")["deliveries"]


@pytest.mark.slow
def test_killed_after_forecast_does_not_forecast_again(tmp_path: Path, demo_files: Path, hook: Hook) -> None:
    steps = ["load", "rollups", "forecast", "plan", "alerts", "deliver", "report"]
    cfg = make_workspace(tmp_path / "w", demo_files, **config_overrides(hook, steps))
    assert run_cli(cfg, fault="after:forecast").returncode == -signal.SIGKILL
    done = run_cli(cfg)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert [s["state"] for s in record["steps"]] == ["done", "done", "done", "done", "done", "done", "done"]
    con = duckdb.connect(str(cfg.parent / "chainsight.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM forecast_runs").fetchone()[0] == 1
    con.close()
    plan = json.loads(Path(record["steps"][3]["detail"]["file"]).read_text(encoding="utf-8"))
    assert plan["orders"] and plan["as_of"] == record["as_of"]
    # a later run with no new data keeps the stored forecast
    again = json.loads(run_cli(cfg).stdout)
    assert again["steps"][2]["detail"]["up_to_date"] is True
