"""One vocabulary of roles: metric owners, alert owners and sign-in roles all come from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainsight._errors import DefinitionError
from chainsight.alerts import OWNER_ROLES, DeliveryConfig, load_rules
from chainsight.appdb import ROLES as SIGN_IN
from chainsight.appdb import WIDE_ROLES
from chainsight.metrics import load_catalog
from chainsight.model import OWNER_ROLE_NAMES, ROLES, SIGN_IN_ROLE_NAMES, get_role, role_label


def test_every_owner_and_sign_in_role_is_in_the_one_vocabulary() -> None:
    assert {m.owner for m in load_catalog()} <= set(OWNER_ROLE_NAMES)
    assert {r.owner_role for r in load_rules()} <= set(OWNER_ROLE_NAMES)
    assert set(OWNER_ROLES) == set(OWNER_ROLE_NAMES)
    assert (
        set(SIGN_IN)
        == set(SIGN_IN_ROLE_NAMES)
        == {"admin", "executive", "planner", "sales_manager", "viewer"}
    )
    assert {"admin", "executive", "planner"} == WIDE_ROLES
    # labels: one place, both languages, shown the same by metrics, alerts and the app database
    for name in OWNER_ROLE_NAMES:
        assert OWNER_ROLES[name] == ROLES[name].label and ROLES[name].label.zh and ROLES[name].label.en
    assert SIGN_IN["planner"] == (ROLES["planner"].label.zh, ROLES["planner"].label.en)


def test_each_business_role_leads_to_a_sign_in_role() -> None:
    for role in ROLES.values():
        assert ROLES[role.access].sign_in, role.name
    assert {n: ROLES[n].access for n in ("ceo", "ecommerce_manager", "warehouse", "data_owner")} == {
        "ceo": "executive",
        "ecommerce_manager": "sales_manager",
        "warehouse": "planner",
        "data_owner": "admin",
    }


def test_former_names_still_load_as_the_current_role(tmp_path: Path) -> None:
    assert get_role("supply_planner").name == "planner"
    assert get_role("warehouse_quality", kind="owner").name == "warehouse"
    assert role_label("production_manager", "zh") == "生产经理"
    routes = DeliveryConfig.from_dict(
        {
            "channels": {"x": {"type": "webhook", "url": "http://a"}},
            "routes": [{"channels": ["x"], "roles": ["warehouse_quality", "ceo"]}],
        }
    ).routes
    assert routes[0].roles == ("warehouse", "ceo")


@pytest.mark.parametrize(("name", "kind"), [("intern", "any"), ("viewer", "owner"), ("ceo", "sign_in")])
def test_an_unknown_role_of_a_kind_is_a_definition_error_listing_the_known(name: str, kind: str) -> None:
    with pytest.raises(DefinitionError) as e:
        get_role(name, kind=kind)
    assert name in e.value.message("en") and name in e.value.message("zh")
    known = OWNER_ROLE_NAMES if kind == "owner" else SIGN_IN_ROLE_NAMES if kind == "sign_in" else tuple(ROLES)
    assert ", ".join(known) in e.value.message("en")
