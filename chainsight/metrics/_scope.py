"""Row-level scopes: which regions, channels ... a user may see. Deny by default."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from chainsight._errors import UserInputError
from chainsight.metrics._reach import DIMENSION_ALIASES, DIMENSIONS


@dataclass(frozen=True, slots=True, eq=False)
class Scope:
    """The rows a query may see, as allowed values per dimension.

    A row is visible when, for every dimension in the scope, its value is one of the
    allowed ones. The compiler applies the scope to every entity a metric reads; an
    entity that cannot reach a scoped dimension shows nothing (it cannot prove the
    row is allowed). An empty scope sees nothing; only :meth:`all` sees everything.

    >>> Scope().sees_nothing
    True
    >>> Scope.all().unrestricted
    True
    >>> s = Scope.of(province="浙江省", channel_kind="offline")
    >>> sorted(s.rules)
    ['channel_kind', 'province']
    >>> s == Scope.of(channel_kind="offline", province="浙江省"), len({s, Scope.of(province="浙江省", channel_kind="offline")})
    (True, 1)
    """

    rules: Mapping[str, frozenset[str]] = field(default_factory=dict)
    unrestricted: bool = False

    def __post_init__(self) -> None:
        for dim, values in self.rules.items():
            if dim not in DIMENSIONS:
                raise UserInputError(
                    f"权限范围中的未知维度 “{dim}”",
                    f"unknown dimension '{dim}' in scope; known: {', '.join(DIMENSIONS)}",
                    dimension=dim,
                )
            if not isinstance(values, frozenset):
                raise TypeError("Scope rules map a dimension to a frozenset of values; use Scope.of(...)")
        if self.unrestricted and self.rules:
            raise ValueError("an unrestricted scope has no rules")

    @property
    def key(self) -> tuple[bool, tuple[tuple[str, tuple[str, ...]], ...]]:
        """One canonical, hashable form of the scope: the cache key everywhere a scope keys a cache."""
        return (self.unrestricted, tuple(sorted((d, tuple(sorted(v))) for d, v in self.rules.items())))

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scope) and self.key == other.key

    @classmethod
    def all(cls) -> Scope:
        """See every row: for administrators and local, single-user use."""
        return cls(unrestricted=True)

    @classmethod
    def none(cls) -> Scope:
        """See nothing (the same as ``Scope()``)."""
        return cls()

    @classmethod
    def of(cls, rules: Mapping[str, str | Iterable[str]] | None = None, **kw: str | Iterable[str]) -> Scope:
        """Build a scope from ``dimension=value`` or ``dimension=[values]``; ``region`` means province.

        >>> Scope.of({"region": ["浙江省", "江苏省"]}).rules["province"] == frozenset({"浙江省", "江苏省"})
        True
        """
        merged: dict[str, frozenset[str]] = {}
        for dim, values in {**(rules or {}), **kw}.items():
            dim = DIMENSION_ALIASES.get(dim, dim)
            vals = frozenset([values] if isinstance(values, str) else values)
            merged[dim] = merged[dim] & vals if dim in merged else vals
        return cls(merged)

    @property
    def sees_nothing(self) -> bool:
        return not self.unrestricted and (not self.rules or any(not v for v in self.rules.values()))

    def describe(self) -> str:
        if self.unrestricted:
            return "all"
        if not self.rules:
            return "none"
        return "; ".join(f"{d}={','.join(sorted(v))}" for d, v in sorted(self.rules.items()))
