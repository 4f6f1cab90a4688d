"""What a customer's minimum remaining shelf life at delivery is, where master data leaves it blank.

``customers.min_remaining_life_pct`` and ``channels.min_remaining_life_pct`` may be empty. The one
rule, used by the expiry analysis and by the plan alike:

* a channel's minimum is its own value, else the strictest default of its customers' types, else
  the default of its kind (online / offline), else :attr:`MinLifeDefaults.fallback`;
* a customer's minimum is its own value, else its channel's value in the data, else the default of
  its type, else its channel's minimum as above.

The defaults per customer type and channel kind live here, beside the columns they fill in, and are
checked against the values the model allows for ``customers.type`` and ``channels.kind``.

>>> MIN_LIFE_DEFAULTS.by_customer_type["ka_retailer"]
0.67
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from chainsight._errors import DefinitionError
from chainsight.model._entities import ENTITIES

if TYPE_CHECKING:
    import ibis.expr.types as ir

Tables = Callable[[str], "ir.Table"]


@dataclass(frozen=True, slots=True)
class MinLifeDefaults:
    """Minimum remaining shelf life (share 0–1) where the data sets none: per customer type, per
    channel kind, and a last resort."""

    by_customer_type: Mapping[str, float] = field(default_factory=dict)
    by_channel_kind: Mapping[str, float] = field(default_factory=dict)
    fallback: float = 0.5


# Key accounts are strictest (the "1/3 rule": deliver with at least 2/3 of the life left), then
# distributors, e-commerce, and discount/outlet channels loosest.
MIN_LIFE_DEFAULTS = MinLifeDefaults(
    MappingProxyType(
        {
            "ka_retailer": 0.67,
            "distributor": 0.5,
            "wholesaler": 0.5,
            "platform_self_operated": 0.33,
            "other": 0.5,
            "discount_outlet": 0.2,
        }
    ),
    MappingProxyType({"offline": 0.5, "online": 0.33}),
)


def validate_min_life(defaults: MinLifeDefaults) -> None:
    """Every key a value the model allows (``customers.type``, ``channels.kind``), every share 0–1."""
    for fieldname, entity, column, table in (
        ("by_customer_type", "customers", "type", defaults.by_customer_type),
        ("by_channel_kind", "channels", "kind", defaults.by_channel_kind),
    ):
        allowed = ENTITIES[entity].column(column).allowed or ()
        for key, share in table.items():
            if key not in allowed:
                raise DefinitionError(
                    f"最低剩余保质期默认值 {fieldname}: “{key}” 不是 {entity}.{column} 的取值",
                    f"minimum-life defaults {fieldname}: '{key}' is not a value of {entity}.{column}",
                    value=key,
                )
            if not 0 <= share <= 1:
                raise DefinitionError(
                    f"最低剩余保质期默认值 {fieldname}.{key}: 应为 0–1 之间的比例",
                    f"minimum-life defaults {fieldname}.{key}: must be a share 0–1",
                    value=share,
                )
    if not 0 <= defaults.fallback <= 1:
        raise DefinitionError(
            "最低剩余保质期默认值 fallback: 应为 0–1 之间的比例",
            "minimum-life defaults fallback: must be a share 0–1",
            value=defaults.fallback,
        )


validate_min_life(MIN_LIFE_DEFAULTS)


def _lookup(column: ir.StringValue, table: Mapping[str, float]) -> ir.FloatingValue:
    import ibis

    if not table:
        return ibis.null("float64")
    return ibis.cases(*[(column == k, float(v)) for k, v in table.items()], else_=ibis.null("float64"))


def channel_min_life(tables: Tables, defaults: MinLifeDefaults = MIN_LIFE_DEFAULTS) -> ir.Table:
    """Per channel: ``channel_id, name, kind, min_remaining_life_pct, source`` (Ibis), where source is
    ``channel`` (its own value), ``customer_type`` (the strictest default of its customers' types) or
    ``channel_kind`` (its kind's default, else the fallback). ``tables`` is e.g. ``wh.table``."""
    import ibis

    ch, cu = tables("channels"), tables("customers")
    strictest = cu.group_by(_cid=cu.channel_id).aggregate(
        _t=_lookup(cu.type, defaults.by_customer_type).max()
    )
    j = ch.left_join(strictest, ch.channel_id == strictest._cid).select(
        ch.channel_id, ch.name, ch.kind, _own=ch.min_remaining_life_pct.cast("float64"), _t=strictest._t
    )
    pct = ibis.coalesce(
        j._own, j._t, _lookup(j.kind, defaults.by_channel_kind), ibis.literal(float(defaults.fallback))
    )
    source = ibis.cases(
        (j._own.notnull(), "channel"), (j._t.notnull(), "customer_type"), else_="channel_kind"
    )
    return j.select("channel_id", "name", "kind", min_remaining_life_pct=pct, source=source)


def customer_min_life(tables: Tables, defaults: MinLifeDefaults = MIN_LIFE_DEFAULTS) -> ir.Table:
    """Per customer: ``customer_id, name, type, channel_id, min_remaining_life_pct, source`` (Ibis),
    where source is ``customer`` (its own value), ``channel`` (its channel's value in the data),
    ``customer_type`` (its type's default) or ``channel_default`` (its channel's minimum, see
    :func:`channel_min_life`)."""
    import ibis

    cu, ch = tables("customers"), tables("channels")
    eff = channel_min_life(tables, defaults)
    data = ch.select(_cid=ch.channel_id, _c=ch.min_remaining_life_pct.cast("float64"))
    j = cu.left_join(data, cu.channel_id == data._cid).select(
        cu.customer_id,
        cu.name,
        cu.type,
        cu.channel_id,
        _own=cu.min_remaining_life_pct.cast("float64"),
        _c=data._c,
    )
    e = eff.select(_eid=eff.channel_id, _e=eff.min_remaining_life_pct)
    j = j.left_join(e, j.channel_id == e._eid).select(j, e._e)
    t = _lookup(j.type, defaults.by_customer_type)
    pct = ibis.coalesce(j._own, j._c, t, j._e, ibis.literal(float(defaults.fallback)))
    source = ibis.cases(
        (j._own.notnull(), "customer"),
        (j._c.notnull(), "channel"),
        (t.notnull(), "customer_type"),
        else_="channel_default",
    )
    return j.select("customer_id", "name", "type", "channel_id", min_remaining_life_pct=pct, source=source)
