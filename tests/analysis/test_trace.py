"""Traceability on the hand-checked trace world (analysis_fixture.build_trace): backward, forward, round trip."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from analysis_fixture import build_trace, day

from chainsight._errors import UserInputError
from chainsight.analysis import trace
from chainsight.warehouse import Warehouse


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    warehouse = Warehouse.open(tmp_path_factory.mktemp("trace") / "w.duckdb")
    build_trace(warehouse)
    yield warehouse
    warehouse.close()


def test_backward_from_a_finished_lot_reaches_material_lots_and_suppliers(wh: Warehouse) -> None:
    t = trace(wh, "F1")
    assert t.kind == "finished"
    assert t.produced_by["order_id"].to_list() == ["O1"]
    got = {(r["material_id"], r["lot_id"], r["supplier_id"], r["po_id"]) for r in t.materials.to_dicts()}
    assert got == {("SUGAR", "M1", "S1", "PO1"), ("BOTTLE", "M2", "S2", "PO2")}


def test_forward_from_a_material_lot_reaches_finished_lots_sites_and_customers(wh: Warehouse) -> None:
    t = trace(wh, "M1")
    assert t.kind == "material"
    assert set(t.finished_lots["lot_id"]) == {"F1", "F2"}
    held = {(r["lot_id"], r["site_id"]): r["qty_now"] for r in t.holdings.to_dicts()}
    assert held == {("F1", "DC1"): 0.0, ("F2", "DC2"): 45.0}
    cust = {(r["lot_id"], r["customer_id"], r["basis"]) for r in t.customers.to_dicts()}
    # F1 left DC1 in (−20, −13] and (−13, −6]: C-D1 (day −15) and C-KA (day −10) may have it, C-X (day −2) not
    assert cust == {("F1", "C-D1", "fefo_window"), ("F1", "C-KA", "fefo_window"), ("F2", "C-D2", "lot")}
    assert [n.en for n in t.notes] and "upper bound" in t.notes[0].en


def test_round_trip_every_material_lot_of_a_finished_lot_leads_back_to_it(wh: Warehouse) -> None:
    back = trace(wh, "F1")
    for material_lot in back.materials["lot_id"]:
        assert "F1" in set(trace(wh, material_lot).finished_lots["lot_id"]), material_lot


def test_shipments_with_lot_numbers_need_no_fefo_bound(wh: Warehouse) -> None:
    t = trace(wh, "F2")
    assert t.customers.to_dicts() == [
        dict(
            customer_id="C-D2",
            customer_name="经销商二",
            sku="P1",
            lot_id="F2",
            site_id="DC2",
            qty=5.0,
            first_date=day(-1),
            last_date=day(-1),
            basis="lot",
        )
    ]
    assert t.notes == []


def test_unknown_lot_is_a_user_error(wh: Warehouse) -> None:
    with pytest.raises(UserInputError, match="NOPE"):
        trace(wh, "NOPE")
