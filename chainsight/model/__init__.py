"""The canonical FMCG data model (entities, columns, keys), validated at import.

>>> from chainsight.model import get_entity
>>> get_entity("sell_in").natural_key
('doc_id', 'line_no')
"""

from chainsight._errors import UnknownEntityError
from chainsight.model._entities import ENTITIES, LOAD_ORDER
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
    "ENTITIES",
    "LOAD_ORDER",
    "Column",
    "ColumnType",
    "Entity",
    "EntityKind",
    "ForeignKey",
    "RowCheck",
    "Text",
    "get_entity",
    "validate_catalog",
]
