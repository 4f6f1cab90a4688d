"""One pipeline run in process: files loaded once by content, bad files set aside, missing parts reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from pipeline_helpers import make_workspace

from chainsight.pipeline import load_config, report_week, run_pipeline
from chainsight.warehouse import REJECTS


def test_run_loads_the_demo_with_its_planted_rejects_and_reports_skipped_steps(
    tmp_path: Path, demo_files: Path
) -> None:
    path = make_workspace(tmp_path / "w", demo_files, steps=["load", "rollups", "deliver"])
    root = path.parent
    (root / "inbox" / "notes.txt").write_text("hello", encoding="utf-8")
    (root / "inbox" / "sell_in_broken.csv").write_bytes(b"\x00\x01\x02 not a csv \xff\xfe" * 50)
    events: list[str] = []
    record = run_pipeline(load_config(path), progress=lambda e: events.append(e.kind))
    assert record.status == "finished"
    load, rollups, deliver = record.steps
    assert load.state == "done" and rollups.state == "done" and deliver.state == "skipped"
    assert "no delivery channels" in deliver.message
    assert "notes.txt" in load.detail["unmatched"] and (root / "inbox" / "notes.txt").exists()
    # the unreadable file is set aside with its reason, in both languages
    assert [f["file"] for f in load.detail["failed"]] == ["sell_in_broken.csv"]
    note = (root / "inbox" / "failed" / "sell_in_broken.csv.error.txt").read_text(encoding="utf-8")
    assert "sell_in_broken.csv" in note and len(note.splitlines()) == 2
    assert "sell_in_broken.csv" in record.message
    assert {"step", "step_end", "file"} <= set(events)

    # the example config's inline mappings load the demo exactly as `chainsight demo run` does:
    # the planted dirty rows, and only those, are rejected
    truth = json.loads((demo_files / "truth.json").read_text(encoding="utf-8"))
    planted = {(d["entity"], d["file"], int(d["row_number"]), d["reason_code"]) for d in truth["dirty_rows"]}
    con = duckdb.connect(str(root / "chainsight.duckdb"), read_only=True)
    found = {
        (e, Path(f).name, int(r), c)
        for e, f, r, c in con.execute(
            f"SELECT DISTINCT entity, file, row_number, reason_code FROM {REJECTS}"
        ).fetchall()
    }
    sell_in_rows = con.execute("SELECT count(*) FROM sell_in").fetchone()[0]
    history = con.execute("SELECT count(*) FROM _cs_load_history").fetchone()[0]
    con.close()
    assert found == planted
    assert record.as_of == max(
        d for d in (_max_day(root, "sell_in", "date"), _max_day(root, "online_orders", "order_time"))
    )

    # the same exports dropped in again (a re-sent file) are recognised by content and not loaded twice
    for name in ("sell_in.csv", "regions.csv"):
        shutil.copy2(demo_files / name, root / "inbox" / name)
    again = run_pipeline(load_config(path))
    files = again.steps[0].detail["files"]
    assert {f["file"] for f in files} == {"sell_in.csv", "regions.csv"}
    assert all(f["already_loaded"] for f in files) and again.steps[0].detail["rows_loaded"] == 0
    con = duckdb.connect(str(root / "chainsight.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM sell_in").fetchone()[0] == sell_in_rows
    assert con.execute("SELECT count(*) FROM _cs_load_history").fetchone()[0] == history
    con.close()


def _max_day(root: Path, table: str, col: str) -> str:
    con = duckdb.connect(str(root / "chainsight.duckdb"), read_only=True)
    try:
        return str(con.execute(f"SELECT max(CAST({col} AS DATE)) FROM {table}").fetchone()[0])
    finally:
        con.close()


def test_report_week_is_the_last_complete_iso_week() -> None:
    import datetime as dt

    assert report_week(dt.date(2025, 6, 8)) == "2025-W23"  # a Sunday: its own week
    assert report_week(dt.date(2025, 6, 9)) == "2025-W23"  # Monday: the week before
    assert report_week(dt.date(2026, 1, 3)) == "2025-W52"


def test_a_second_run_while_one_holds_the_warehouse_stops_before_recording_anything(
    tmp_path: Path, demo_files: Path
) -> None:
    import os
    import subprocess
    import sys

    from chainsight.pipeline import list_runs
    from chainsight.warehouse import Warehouse

    path = make_workspace(tmp_path / "w", demo_files, steps=["load"])
    holder = Warehouse.open(path.parent / "chainsight.duckdb")  # as a running `chainsight run` would
    try:
        env = {**os.environ, "CHAINSIGHT_LANG": "en"}
        res = subprocess.run(
            [sys.executable, "-m", "chainsight.cli", "run", "--config", str(path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        holder.close()
    # the warehouse is busy: one clear line (exit 2), never the engine's message or the holder's PID
    assert res.returncode == 2 and "another Chainsight process" in res.stderr
    assert "Conflicting lock" not in res.stderr and "PID" not in res.stderr
    assert list_runs(load_config(path)) == []
    assert len(list((path.parent / "inbox").iterdir())) > 20  # nothing was moved


def test_a_failing_step_is_resumed_then_abandoned_after_resume_within_hours(
    tmp_path: Path, demo_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from sqlalchemy import update

    from chainsight.appdb import AppDB
    from chainsight.appdb._pipeline_models import PipelineRunRow
    from chainsight.pipeline import _run

    path = make_workspace(tmp_path / "w", demo_files, only={"regions.csv"}, steps=["load", "report"])
    cfg = load_config(path)

    def broken(ctx: object) -> object:
        raise RuntimeError("disk full")

    monkeypatch.setitem(_run.STEP_FUNCS, "report", broken)
    for attempt in (1, 2):
        with pytest.raises(RuntimeError):
            run_pipeline(cfg)
        (run,) = _run.list_runs(cfg)
        assert run.status == "failed" and run.attempts == attempt
        assert [s.state for s in run.steps] == ["done", "failed"] and "disk full" in run.steps[1].message
    # a day later the stuck run is given up, and a new run starts from the top
    db = AppDB(f"sqlite:///{path.parent / 'chainsight.app.sqlite'}")
    with db.engine.begin() as con:
        con.execute(update(PipelineRunRow).values(started_at=dt.datetime(2020, 1, 1)))
    db.close()
    monkeypatch.setitem(_run.STEP_FUNCS, "report", lambda ctx: _run.Outcome("done", {}))
    record = run_pipeline(cfg)
    assert record.id == 2 and record.status == "finished"
    old = next(r for r in _run.list_runs(cfg) if r.id == 1)
    assert old.status == "abandoned" and "not resumed" in old.message


def test_json_stdout_is_kept_clean_of_what_libraries_print() -> None:
    """A solver banner written straight to file descriptor 1 must not corrupt `chainsight run --json`."""
    import subprocess
    import sys

    code = (
        "import os\n"
        "from chainsight._cli.pipeline import stdout_to_stderr\n"
        "with stdout_to_stderr():\n"
        "    os.write(1, b'Running HiGHS banner\\n')\n"
        "    print('python noise')\n"
        "print('{}')\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout == "{}\n"
    assert "Running HiGHS banner" in res.stderr and "python noise" in res.stderr
