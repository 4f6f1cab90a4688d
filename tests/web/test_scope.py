"""Deny by default: each user sees only their scope, in pages and in the API, checked against direct queries."""

from __future__ import annotations

import re

from chainsight.metrics import Scope, query

PROVINCE = "浙江省"
OCT = {"start": "2026-10-01", "end": "2026-10-31"}


def _month(demo_warehouse, app):  # type: ignore[no-untyped-def]
    start, end = app.state.services.views.current_month()
    return start, end


def test_sales_manager_api_query_sees_only_their_province(app, login, demo_warehouse) -> None:
    start, end = _month(demo_warehouse, app)
    c = login(app, "zj")
    body = c.get(
        "/api/query", params={"metrics": "net_sales", "by": "province", "start": start, "end": end}
    ).json()
    assert {r["province"] for r in body["rows"]} == {PROVINCE}
    direct = query(
        demo_warehouse, "net_sales", by="province", start=start, end=end, scope=Scope.of(province=PROVINCE)
    ).to_dicts()
    assert body["rows"][0]["net_sales"] == direct[0]["net_sales"]
    everyone = query(demo_warehouse, "net_sales", start=start, end=end, scope=Scope.all()).to_dicts()
    assert body["rows"][0]["net_sales"] < everyone[0]["net_sales"]
    # asking for another province gives nothing, not that province's numbers
    other = c.get(
        "/api/query", params={"metrics": "net_sales", "by": "province", "where": "province=北京市"}
    ).json()
    assert other["rows"] == [] or all(r["net_sales"] in (None, 0) for r in other["rows"])


def test_sales_manager_cockpit_figures_equal_a_scoped_query(app, login, demo_warehouse) -> None:
    start, end = _month(demo_warehouse, app)
    html = login(app, "zj").get("/").text
    shown = float(re.search(r'data-metric="net_sales" data-value="([^"]+)"', html).group(1))
    direct = query(
        demo_warehouse, "net_sales", grain="month", start=start, end=end, scope=Scope.of(province=PROVINCE)
    ).to_dicts()[0]["net_sales"]
    assert shown == direct
    cockpit = login(app, "zj").get("/api/cockpit").json()
    assert cockpit["charts"]["by_province"]["categories"] == [PROVINCE]
    assert "北京市" not in html


def test_sales_manager_sales_page_lists_only_their_province(app, login) -> None:
    html = login(app, "zj").get("/sales").text
    assert PROVINCE in html
    assert "北京市" not in html and "上海市" not in html


def test_user_without_scope_sees_nothing(app, login) -> None:
    c = login(app, "nobody")
    rows = c.get("/api/query", params={"metrics": "net_sales", "by": "province"}).json()["rows"]
    assert all(r["net_sales"] in (None, 0) for r in rows)
    html = c.get("/", headers={"accept-language": "en"}).text
    assert "Your scope is empty" in html


def test_admin_cockpit_figures_equal_unscoped_queries_with_comparisons(app, login, demo_warehouse) -> None:
    start, end = _month(demo_warehouse, app)
    tiles = {t["name"]: t for t in login(app, "boss").get("/api/cockpit?lang=en").json()["tiles"]}
    names = ["net_sales", "target_attainment", "near_expiry_value", "inventory_value"]
    for cmp in ("pop", "yoy"):
        direct = query(
            demo_warehouse, names, grain="month", start=start, end=end, compare=cmp, scope=Scope.all()
        ).to_dicts()[0]
        for n in names:
            assert tiles[n]["value"] == direct[n]
    assert tiles["net_sales"]["yoy"]["text"] == f"{direct['net_sales_change_pct'] * 100:+.1f}%"
