"""Readiness on the demo (its planted stale purchase orders found) and on a warehouse missing a domain."""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chainsight._errors import UserInputError
from chainsight.appdb import AppDB
from chainsight.readiness import Checklist, data_readiness, metric_entities, readiness
from chainsight.warehouse import Warehouse

AS_OF = dt.date(2026, 11, 3)  # three days after the demo's last day


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, dict[str, Any], Path]]:
    from chainsight.demo import run

    root = tmp_path_factory.mktemp("readydemo")
    run(root / "data", root / "w.duckdb", scale="tiny", seed=0)
    truth = json.loads((root / "data" / "truth.json").read_text(encoding="utf-8"))
    wh = Warehouse.open(root / "w.duckdb", read_only=True)
    yield wh, truth, root
    wh.close()


def _domain(result: dict[str, Any], key: str) -> dict[str, Any]:
    return next(d for d in result["domains"] if d["domain"] == key)


def test_demo_is_ready_except_the_planted_stale_feed(demo: Any) -> None:
    wh, truth, _ = demo
    r = data_readiness(wh, AS_OF)
    sales = _domain(r, "sales")
    assert sales["checks"] == {"present": True, "fresh": True, "complete": True, "clean": True}
    assert sales["score"] == 100 and len(sales["metrics_supported"]) == sales["metrics_total"]
    # the demo's planted "data not fresh" signal: purchase orders stop early
    procurement = _domain(r, "procurement")
    stale = {s["entity"]: s for s in procurement["stale"]}
    assert procurement["checks"]["fresh"] is False and set(stale) == {"purchase_orders"}
    last_po = wh.duckdb.execute("SELECT max(order_date) FROM purchase_orders").fetchone()[0]
    assert stale["purchase_orders"]["lag_days"] == (AS_OF - last_po).days
    # reject rate from the load history: the planted dirty rows over the rows read
    read, rejected = wh.duckdb.execute(
        "SELECT sum(rows_read), sum(rows_rejected) FROM _cs_load_history WHERE entity IN ('sell_in','targets','products','customers','regions','channels')"
    ).fetchone()
    assert sales["reject_rate"] == pytest.approx(rejected / read)
    assert 0 < rejected <= len(truth["dirty_rows"])


def test_a_missing_domain_blocks_its_metrics_and_says_what_to_load(demo: Any, tmp_path: Path) -> None:
    _, _, root = demo
    # the same company without its production exports
    import shutil

    path = tmp_path / "w.duckdb"
    shutil.copy2(root / "w.duckdb", path)
    wh = Warehouse.open(path)
    for table in ("production_orders", "material_consumption"):
        wh.duckdb.execute(f"DELETE FROM {table}")
    r = data_readiness(wh, AS_OF)
    wh.close()
    prod = _domain(r, "production")
    assert prod["checks"]["present"] is False and prod["missing"] == [
        "production_orders",
        "material_consumption",
    ]
    assert "plan_attainment" not in prod["metrics_supported"]
    blocked = {b["metric"]: b["needs"] for b in prod["metrics_blocked"]}
    assert blocked["plan_attainment"] == ["production_orders"]
    assert not next(x for x in prod["decisions"] if x["decision"] == "production_attainment")["supported"]
    nxt = {n["entity"]: n for n in r["next_data"]}
    assert "production_attainment" in nxt["production_orders"]["unlocks_decisions"]
    assert "material_consumption_qty" in nxt["material_consumption"]["unlocks_metrics"]
    # other domains are untouched
    assert _domain(r, "sales")["score"] == 100


def test_empty_warehouse_supports_nothing() -> None:
    r = data_readiness(Warehouse.open(":memory:"), AS_OF)
    assert r["score"] == 0 and r["metrics_supported"] == 0 and r["decisions_supported"] == 0


def test_metric_entities_come_from_the_catalog() -> None:
    assert set(metric_entities("net_sales")) == {"sell_in", "online_orders"}
    assert set(metric_entities("target_attainment")) == {"sell_in", "online_orders", "targets"}
    assert set(metric_entities("po_otif")) == {"purchase_orders", "receipts"}


def test_checklist_answers_are_stored_validated_and_scored(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    db = AppDB(url)
    c = Checklist(db)
    assert c.report()["score"] == 0
    c.answer("executive_sponsor", "王总")
    c.answer("budget", "是")
    c.answer("trained_users", "40%")
    c.answer("data_owner.sales", "李明")
    with pytest.raises(UserInputError):
        c.answer("budget", "maybe")
    with pytest.raises(UserInputError):
        c.answer("trained_users", "140")
    with pytest.raises(UserInputError):
        c.answer("sponsor", "x")
    db.close()
    report = Checklist(AppDB(url)).report()  # stored: a new connection sees them
    items = {i["key"]: i for i in report["items"]}
    assert items["budget"]["answer"] == "yes" and items["trained_users"]["answer"] == "40"
    # 25 sponsor + 25 budget + 25 × 40/80 training + 25/6 for one data owner of six
    assert report["score"] == round(25 + 25 + 12.5 + 25 / 6)
    assert items["trained_users"]["points"] == 12.5 and not items["trained_users"]["met"]


def test_cli_readiness_json_and_answer(demo: Any, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from chainsight.cli import app

    _, _, root = demo
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    runner = CliRunner()
    res = runner.invoke(
        app, ["readiness", "answer", "budget", "yes", "--appdb", url, "-w", str(root / "w.duckdb"), "--json"]
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app, ["readiness", "--json", "--as-of", "2026-11-03", "--appdb", url, "-w", str(root / "w.duckdb")]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["organisation"]["score"] == 25
    assert out["score"] == round((out["data"]["score"] + 25) / 2)


def test_readiness_page_shows_checks_and_only_an_admin_answers(demo: Any) -> None:
    from argon2 import PasswordHasher

    from chainsight.web import create_app

    wh, _, _ = demo
    db = AppDB("sqlite://", hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    db.add_user("boss", "correct horse battery", role="admin")
    db.add_user("viewer", "correct horse battery", role="viewer")
    app = create_app(wh, db)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient

    def login(user: str) -> Any:
        c = TestClient(app)
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)  # type: ignore[union-attr]
        r = c.post(
            "/login",
            data={"username": user, "password": "correct horse battery", "csrf_token": token, "next": "/"},
            follow_redirects=False,
        )
        assert r.status_code == 303
        return c

    assert TestClient(app).get("/readiness", follow_redirects=False).status_code == 303
    viewer = login("viewer")
    page = viewer.get("/readiness")
    assert (
        page.status_code == 200
        and 'data-domain="procurement"' in page.text
        and 'href="/readiness"' in page.text
    )
    assert viewer.post("/readiness/answer", data={"key": "budget", "value": "yes"}).status_code == 403
    boss = login("boss")
    page = boss.get("/readiness", headers={"accept-language": "zh-CN"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert "数据就绪度" in page.text
    r = boss.post(
        "/readiness/answer",
        data={"key": "budget", "value": "yes", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    api = boss.get("/api/readiness", params={"as_of": "2026-11-03"}).json()
    assert api["data"]["as_of"] == "2026-11-03"
    assert _domain(api["data"], "sales")["checks"]["fresh"] is True
    assert next(i for i in api["organisation"]["items"] if i["key"] == "budget")["answer"] == "yes"
    assert readiness(wh, db, AS_OF)["organisation"]["score"] == 25
    assert (
        boss.post(
            "/readiness/answer", data={"key": "budget", "value": "yes", "csrf_token": "forged"}
        ).status_code
        == 403
    )
