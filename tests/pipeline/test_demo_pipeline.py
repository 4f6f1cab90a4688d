"""``chainsight demo run --pipeline``: the demo loaded, then the pipeline's steps without a load step."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from chainsight.alerts import list_alerts
from chainsight.appdb import AppDB, default_appdb_url
from chainsight.cli import app
from chainsight.pipeline import PipelineConfig, latest_sales_day, run_pipeline
from chainsight.warehouse import Warehouse


def test_alerts_step_without_load_fixes_the_business_date_and_judges_freshness_as_configured(
    demo_files: Path, tmp_path: Path
) -> None:
    wh_path = tmp_path / "w.duckdb"
    out = CliRunner().invoke(
        app, ["demo", "run", "--scale", "tiny", "--out", str(demo_files), "-w", str(wh_path), "--json"]
    )
    assert out.exit_code == 0, out.output
    with Warehouse.open(wh_path, read_only=True) as wh:
        business_day = latest_sales_day(wh)
    assert business_day is not None

    def run(freshness_on: str) -> set[str]:
        config = PipelineConfig.from_dict(
            {
                "warehouse": str(wh_path),
                "inbox": "in",
                "steps": ["alerts"],
                "alerts": {"freshness_on": freshness_on},
            },
            base=tmp_path,
        )
        record = run_pipeline(config)
        # Only the alerts step: the run must still fix its business date (the last day with sales).
        assert record.status == "finished" and record.as_of == business_day.isoformat()
        assert record.step("alerts").state == "done"
        db = AppDB(default_appdb_url(wh_path))
        try:
            return {str(a.scope.get("entity")) for a in list_alerts(db, rule_id="data_not_fresh")}
        finally:
            db.close()

    # Today (the real date) is weeks after the demo's history ends: its daily feeds are stale.
    if (dt.date.today() - business_day).days > 7:
        assert {"sell_in", "inventory"} <= run("today")
    # Judged on the demo's own last day, nothing is stale, and the alerts raised before resolve themselves.
    assert run("business_date") == set()
