"""Procurement, production, planning and shelf-life action pages; uploads on the data page; the analyses API."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chainsight.metrics import Scope, query
from chainsight.warehouse import Warehouse

PROVINCE = "浙江省"
ZJ = Scope.of(province=PROVINCE)


def _tile_value(html: str, metric: str) -> float | None:
    import re

    m = re.search(rf'data-metric="{metric}" data-value="([^"]*)"', html)
    assert m, f"no tile for {metric}"
    return float(m.group(1)) if m.group(1) else None


@pytest.mark.parametrize("user,scope", [("boss", Scope.all()), ("zj", ZJ)])
def test_procurement_and_production_figures_equal_scoped_queries(
    app, login, demo_warehouse, user, scope
) -> None:
    start, end = app.state.services.views.current_month()
    c = login(app, user)
    for page, metrics in (
        ("/procurement", ["po_otif", "purchase_amount"]),
        ("/production", ["plan_attainment", "production_qty"]),
    ):
        html = c.get(page).text
        direct = query(demo_warehouse, metrics, grain="month", start=start, end=end, scope=scope).to_dicts()
        for m in metrics:
            want = direct[0][m] if direct else None
            got = _tile_value(html, m)
            assert (got is None and want is None) or got == pytest.approx(want, rel=1e-12), (page, m)
    # the supplier chart of the API is the scoped metric by supplier
    body = c.get("/api/procurement").json()
    chart = body["otif_by_supplier"]
    direct = query(demo_warehouse, "po_otif", by="supplier", start=start, end=end, scope=scope).to_dicts()
    expected = {r["supplier"]: r["po_otif"] for r in direct if r["po_otif"] is not None}
    assert dict(zip(chart["categories"], chart["values"], strict=True)) == pytest.approx(expected)
    # readers see supplier names from master data; the codes stay the drill-down keys
    names = dict(demo_warehouse.duckdb.execute("SELECT supplier_id, name FROM suppliers").fetchall())
    assert chart["names"] == [names[c] for c in chart["categories"]]


def test_scoped_users_do_not_get_unscoped_analyses(app, login) -> None:
    c = login(app, "zj")
    for partial in ("/partials/suppliers", "/partials/lines", "/partials/expiry-actions"):
        html = c.get(partial).text
        assert "restricted" in html and "<table" not in html
    for api in (
        "/api/analysis/suppliers",
        "/api/analysis/production",
        "/api/analysis/expiry-actions",
        "/api/analysis/plan",
    ):
        assert c.get(api).status_code == 403


def test_wide_roles_see_supplier_line_and_expiry_analyses(app, login, demo_warehouse) -> None:
    from chainsight.analysis import expiry_actions, production_performance, supplier_performance

    c = login(app, "boss", headers={"accept-language": "zh-CN"})
    suppliers = supplier_performance(demo_warehouse).suppliers
    html = c.get("/partials/suppliers").text
    assert html.count("<tr>") >= min(suppliers.height, 50)
    assert suppliers["name"][0] in html  # worst supplier first
    late = suppliers.filter(suppliers["flag_late"])
    api = c.get("/api/analysis/suppliers").json()
    assert len(api["suppliers"]) == suppliers.height
    assert sum(1 for s in api["suppliers"] if s["flag_late"]) == late.height
    lines = production_performance(demo_warehouse).lines
    assert lines["name"][0] in c.get("/partials/lines").text
    actions = expiry_actions(demo_warehouse)
    html = c.get("/partials/expiry-actions").text
    if actions.height:
        assert actions["lot_id"][0] in html
        body = c.get("/api/analysis/expiry-actions", params={"limit": 5}).json()
        assert body["total"] == actions.height and body["actions"][0]["lot_id"] == actions["lot_id"][0]
        assert body["value_saved"] == pytest.approx(float(actions["value_saved"].sum()))


def test_planning_page_explains_when_nothing_is_planned_yet(app, login) -> None:
    html = login(app, "boss", headers={"accept-language": "en"}).get("/planning").text
    if 'id="no-forecasts"' in html:
        assert "chainsight forecast" in html
    assert login(app, "boss").get("/api/planning").status_code == 200


@pytest.fixture
def planned_app(demo_warehouse: Warehouse, tmp_path: Path, appdb):  # type: ignore[no-untyped-def]
    """A copy of the demo with a stored monthly forecast and a plan, in tables made from their specs."""
    from chainsight.model import DERIVED
    from chainsight.web import create_app

    path = tmp_path / "planned.duckdb"
    shutil.copy(demo_warehouse.path, path)
    with Warehouse.open(path) as wh:
        con = wh.duckdb
        for spec in DERIVED.values():
            wh.ensure_table(spec)
        con.execute(
            "INSERT INTO forecasts SELECT date_trunc('month', s.date)::DATE, s.sku, c.channel_id, NULL, "
            "sum(s.qty) * 1.1, sum(s.qty), 'ets', 'sku,channel', 'month', 'v1', DATE '2026-01-01' "
            "FROM sell_in s JOIN customers c USING (customer_id) GROUP BY ALL"
        )
        con.execute(
            "INSERT INTO forecast_runs VALUES ('v1', DATE '2026-01-01', now(), 'sku,channel', 'month', 6, 10, "
            '\'[{"level": "sku", "wape": 18.0, "wape_naive": 20.0, "bias": 1.5, "fva": 2.0}]\')'
        )
        con.execute(
            "INSERT INTO planned_orders VALUES ('p1', DATE '2026-10-01', 'PO-1', 'purchase', 'M1', 'PL1', 'S1', NULL, "
            "100, DATE '2026-10-02', DATE '2026-10-09', true, [])"
        )
        con.execute(
            "INSERT INTO plan_exceptions VALUES ('p1', DATE '2026-10-01', 'shortage', 'PL1', 'M1', DATE '2026-10-05', "
            "40, 'short 40', 'PO-1')"
        )
    wh = Warehouse.open(path, read_only=True)
    yield create_app(wh, appdb)
    wh.close()


def test_planning_page_shows_forecast_vs_actual_accuracy_and_the_plan(planned_app, login) -> None:
    c = login(planned_app, "boss", headers={"accept-language": "en"})
    html = c.get("/planning").text
    assert 'id="forecast-actual"' in html and 'id="no-forecasts"' not in html
    assert 'id="planned-orders"' in html and "M1" in html
    assert 'id="plan-exceptions"' in html and "short 40" in html
    assert "18.0%" in html and "+2.0 pt" in html  # WAPE and FVA of the stored run, in points
    body = c.get("/api/planning").json()
    chart = body["chart"]
    fc = next(s for s in chart["series"] if s["metric"] == "forecast_qty")
    act = next(s for s in chart["series"] if s["metric"] == "forecast_actual_qty")
    assert all(f == pytest.approx(a * 1.1) for f, a in zip(fc["values"], act["values"], strict=True) if a)
    zj = login(planned_app, "zj")
    assert 'id="planned-orders"' not in zj.get("/planning").text
    assert zj.get("/api/analysis/plan").status_code == 403


# ---------------------------------------------------------------- uploads
DIRTY = (
    "channel_id,name,kind,platform\nnewshop,新店,online,tmall\nbadkind,坏渠道,sideways,\n,无编码,offline,\n"
)


@pytest.fixture
def upload_app(demo_warehouse: Warehouse, tmp_path: Path, appdb):  # type: ignore[no-untyped-def]
    from chainsight.web import create_app

    path = tmp_path / "upload.duckdb"
    shutil.copy(demo_warehouse.path, path)
    wh = Warehouse.open(path, read_only=True)
    yield create_app(wh, appdb)
    wh.close()


def _upload(
    c, csrf_of, content: str, *, entity: str = "channels", name: str = "channels.csv", mapping: str = ""
):  # type: ignore[no-untyped-def]
    token = csrf_of(c.get("/data").text)
    return c.post(
        "/data/upload",
        data={"csrf_token": token, "entity": entity, "mapping": mapping},
        files={"file": (name, content.encode(), "text/csv")},
    )


def test_upload_loads_good_rows_and_shows_rejects_in_the_users_language(upload_app, login, csrf_of) -> None:
    c = login(upload_app, "boss", headers={"accept-language": "zh-CN"})
    before = upload_app.state.services.wh.row_count("channels")
    r = _upload(c, csrf_of, DIRTY)
    assert r.status_code == 200
    html = r.text
    assert 'class="rows-loaded">1<' in html and 'class="rows-rejected">2<' in html
    assert 'id="upload-rejects"' in html and "sideways" in html
    assert (
        upload_app.state.services.wh.row_count("channels") == before + 1
    )  # read-only again, and sees the row
    rejects = upload_app.state.services.wh.duckdb.execute(
        "SELECT row_number, \"column\", raw_value, reason_zh FROM _cs_rejects WHERE entity = 'channels' ORDER BY row_number"
    ).fetchall()
    assert [(row, col) for row, col, _, _ in rejects] == [(3, "kind"), (4, "channel_id")]
    for _, _, _, reason in rejects:
        assert reason in html  # the Chinese reason for a Chinese reader
    log = upload_app.state.services.db.audit_log(action="upload")
    assert (
        log
        and log[0]["actor"] == "boss"
        and log[0]["target"] == "channels"
        and '"rows_rejected": 2' in log[0]["detail"]
    )


def test_upload_with_a_mapping_renames_columns(upload_app, login, csrf_of) -> None:
    c = login(upload_app, "plan", headers={"accept-language": "en"})
    content = "编码,名称,类型\nmapped1,映射店,offline\n"
    mapping = "columns:\n  channel_id: 编码\n  name: 名称\n  kind: 类型\n"
    html = _upload(c, csrf_of, content, name="渠道.csv", mapping=mapping).text
    assert 'class="rows-loaded">1<' in html and "No rows were rejected" in html
    bad = _upload(c, csrf_of, content, mapping="columns: [oops").text
    assert "not valid YAML" in html or "not valid YAML" in bad


def test_upload_needs_csrf_a_data_role_and_a_known_file_type(upload_app, login, make_client, csrf_of) -> None:
    c = login(upload_app, "boss")
    r = c.post(
        "/data/upload", data={"entity": "channels"}, files={"file": ("c.csv", DIRTY.encode(), "text/csv")}
    )
    assert r.status_code == 403
    assert _upload(c, csrf_of, DIRTY, name="evil.exe").status_code == 400
    zj = login(upload_app, "zj")
    r = zj.post(
        "/data/upload",
        data={"entity": "channels", "csrf_token": "x"},
        files={"file": ("c.csv", b"a", "text/csv")},
    )
    assert r.status_code == 403
    anon = make_client(upload_app)
    r = anon.post("/data/upload", files={"file": ("c.csv", b"a", "text/csv")}, follow_redirects=False)
    assert r.status_code == 303 and "/login" in r.headers["location"]
    assert upload_app.state.services.db.audit_log(action="upload") == []


def test_inventory_drills_from_category_to_sku(app, login, demo_warehouse) -> None:
    start, end = app.state.services.views.current_month()
    c = login(app, "boss", headers={"accept-language": "en"})
    top = c.get("/api/inventory").json()["near_expiry_by_category"]
    assert top["drill"] == "/inventory?category={}"
    if not top["categories"]:
        pytest.skip("no near-expiry stock in this month of the tiny demo")
    category = top["categories"][0]
    html = c.get("/inventory", params={"category": category}).text
    assert f"<b>{category}</b>" in html and "Near-expiry stock by SKU" in html
    body = c.get("/api/inventory", params={"category": category}).json()["near_expiry_by_category"]
    direct = query(
        demo_warehouse,
        "near_expiry_value",
        by="sku",
        start=start,
        end=end,
        where={"category": category},
        scope=Scope.all(),
    ).to_dicts()
    expected = {r["sku"]: r["near_expiry_value"] for r in direct if r["near_expiry_value"] is not None}
    assert dict(zip(body["categories"], body["values"], strict=True)) == pytest.approx(expected)
    assert sum(body["values"]) == pytest.approx(top["values"][0])
