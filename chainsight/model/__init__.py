"""The canonical FMCG data model (entities, columns, keys) and the tables Chainsight derives from it
(forecasts, plans, rollup bookkeeping), validated at import.

>>> from chainsight.model import DERIVED, get_entity
>>> get_entity("sell_in").natural_key
('doc_id', 'line_no')
>>> DERIVED["planned_orders"].replaces
('as_of',)
"""

from chainsight._errors import UnknownEntityError
from chainsight.model._derived import (
    DERIVED,
    DerivedTable,
    StoredColumn,
    StoredType,
    rollup_table,
    validate_derived,
)
from chainsight.model._entities import ENTITIES, LOAD_ORDER, load_order
from chainsight.model._min_life import (
    MIN_LIFE_DEFAULTS,
    MinLifeDefaults,
    channel_min_life,
    customer_min_life,
    validate_min_life,
)
from chainsight.model._roles import OWNER_ROLE_NAMES, ROLES, SIGN_IN_ROLE_NAMES, Role, get_role, role_label
from chainsight.model._spec import (
    Column,
    ColumnType,
    Entity,
    EntityKind,
    ForeignKey,
    RowCheck,
    Text,
    validate_catalog,
)


def get_entity(name: str) -> Entity:
    """Return the entity called ``name`` or raise :class:`UnknownEntityError` listing the known ones."""
    try:
        return ENTITIES[name]
    except KeyError:
        known = ", ".join(sorted(ENTITIES))
        raise UnknownEntityError(
            f"未知实体 “{name}”;可用的实体:{known}",
            f"unknown entity '{name}'; known entities: {known}",
            entity=name,
        ) from None


__all__ = [
    "DERIVED",
    "ENTITIES",
    "LOAD_ORDER",
    "MIN_LIFE_DEFAULTS",
    "OWNER_ROLE_NAMES",
    "ROLES",
    "SIGN_IN_ROLE_NAMES",
    "Column",
    "ColumnType",
    "DerivedTable",
    "Entity",
    "EntityKind",
    "ForeignKey",
    "MinLifeDefaults",
    "Role",
    "RowCheck",
    "StoredColumn",
    "StoredType",
    "Text",
    "UnknownEntityError",
    "channel_min_life",
    "customer_min_life",
    "get_entity",
    "get_role",
    "load_order",
    "role_label",
    "rollup_table",
    "validate_catalog",
    "validate_derived",
    "validate_min_life",
]
