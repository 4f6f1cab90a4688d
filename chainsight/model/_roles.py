"""One vocabulary of roles: who owns a metric or an alert, and who may sign in.

A *business* role (the sales director, the planner, procurement …) owns metrics in the catalog and
alerts in the rules; a *sign-in* role (admin, executive, planner, sales manager, viewer) is what a
user account is given and decides what that user may see and do. Some roles are both (the planner
signs in and owns the forecast alerts). Each business role names the sign-in role a person in it
gets (``access``), so an alert's owner leads to the people who can act on it.

Former names (``supply_planner`` …, from when the metric catalog kept its own list) still load:
:func:`get_role` answers them with the current role.

>>> get_role("supply_planner").name, get_role("planner").label.en
('planner', 'Supply planner')
>>> get_role("channel_director").access, get_role("viewer").sign_in
('executive', True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from chainsight._errors import DefinitionError
from chainsight.model._spec import Text


@dataclass(frozen=True, slots=True)
class Role:
    """One role. ``sign_in``: a user account may have it; ``wide`` (sign-in roles): sees every region
    and channel unless given a narrower scope, the others see nothing until given one; ``owner``: may
    own metrics and alerts; ``access``: the sign-in role a person in this role gets (itself for a
    sign-in role); ``aliases``: former names that still load."""

    name: str
    label: Text
    access: str
    sign_in: bool = False
    wide: bool = False
    owner: bool = True
    aliases: tuple[str, ...] = ()


def _role(name: str, zh: str, en: str, access: str = "", **kw: bool | tuple[str, ...]) -> Role:
    return Role(name, Text(zh, en), access or name, **kw)  # type: ignore[arg-type]


_ALL = (
    # sign-in roles
    _role("admin", "管理员", "Administrator", sign_in=True, wide=True, owner=False),
    _role("executive", "高管", "Executive", sign_in=True, wide=True),
    _role("planner", "计划员", "Supply planner", sign_in=True, wide=True, aliases=("supply_planner",)),
    _role("sales_manager", "区域销售经理", "Sales manager", sign_in=True),
    _role("viewer", "只读用户", "Viewer", sign_in=True, owner=False),
    # business roles: owners of metrics and alerts
    _role("ceo", "总经理", "CEO / GM", "executive"),
    _role("sales_director", "销售总监", "Sales director", "executive"),
    _role("channel_director", "渠道总监", "Channel director", "executive"),
    _role("ecommerce_manager", "电商负责人", "E-commerce manager", "sales_manager"),
    _role("warehouse", "仓储与质量", "Warehouse & quality", "planner", aliases=("warehouse_quality",)),
    _role("procurement", "采购", "Procurement", "planner"),
    _role("production", "生产经理", "Production manager", "planner", aliases=("production_manager",)),
    _role("finance", "财务", "Finance", "executive"),
    _role("data_owner", "数据负责人", "Data owner", "admin"),
)

ROLES: Mapping[str, Role] = MappingProxyType({r.name: r for r in _ALL})
"""Every role by its current name."""

_BY_ALIAS: Mapping[str, Role] = MappingProxyType({a: r for r in _ALL for a in r.aliases})

OWNER_ROLE_NAMES: tuple[str, ...] = tuple(r.name for r in _ALL if r.owner)
SIGN_IN_ROLE_NAMES: tuple[str, ...] = tuple(r.name for r in _ALL if r.sign_in)


def get_role(name: str, *, kind: str = "any") -> Role:
    """The role called ``name`` (or formerly called so). ``kind``: ``owner`` (may own metrics and
    alerts), ``sign_in`` (a user account's role) or ``any``. Raises :class:`DefinitionError` listing
    the roles of that kind."""
    role = ROLES.get(name) or _BY_ALIAS.get(name)
    ok = role is not None and (kind == "any" or (role.owner if kind == "owner" else role.sign_in))
    if role is None or not ok:
        known = {"owner": OWNER_ROLE_NAMES, "sign_in": SIGN_IN_ROLE_NAMES}.get(kind, tuple(ROLES))
        raise DefinitionError(
            f"未知角色 “{name}”,可用:{', '.join(known)}",
            f"unknown role '{name}'; known: {', '.join(known)}",
            value=name,
        )
    return role


def role_label(name: str, lang: str) -> str:
    """The role's name in ``lang`` (a name not in the vocabulary is shown as it is).

    >>> role_label("warehouse_quality", "zh"), role_label("sales_manager", "en")
    ('仓储与质量', 'Sales manager')
    """
    role = ROLES.get(name) or _BY_ALIAS.get(name)
    return role.label.get(lang) if role is not None else name


def _check() -> None:
    names = [r.name for r in _ALL] + [a for r in _ALL for a in r.aliases]
    if len(set(names)) != len(names):
        raise DefinitionError("角色名重复", "a role name or alias is repeated")
    for r in _ALL:
        target = ROLES.get(r.access)
        if target is None or not target.sign_in:
            raise DefinitionError(
                f"角色 {r.name} 的 access 必须是登录角色", f"role {r.name}: access must be a sign-in role"
            )


_check()
