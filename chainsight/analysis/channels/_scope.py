"""Deny by default: restrict channel analyses to the rows a user's :class:`~chainsight.metrics.Scope` allows."""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir
import polars as pl

from chainsight.metrics import Scope

__all__ = ["restrict_frame", "restrict_table"]


def restrict_table(t: ir.Table, scope: Scope | None, columns: Mapping[str, str]) -> ir.Table:
    """Rows of ``t`` inside ``scope``; ``columns`` maps a scope dimension to a column of ``t``.

    ``None`` means unrestricted (local, single-user use). A scoped dimension ``t`` cannot reach leaves nothing:
    the row cannot be proven allowed.
    """
    if scope is None or scope.unrestricted:
        return t
    if scope.sees_nothing:
        return t.filter(ibis.literal(False))
    for dim, values in scope.rules.items():
        col = columns.get(dim)
        if col is None:
            return t.filter(ibis.literal(False))
        t = t.filter(t[col].isin(sorted(values)))
    return t


def restrict_frame(df: pl.DataFrame, scope: Scope | None, columns: Mapping[str, str]) -> pl.DataFrame:
    """The Polars twin of :func:`restrict_table` for result frames."""
    if scope is None or scope.unrestricted:
        return df
    if scope.sees_nothing or df.is_empty():
        return df.clear()
    for dim, values in scope.rules.items():
        col = columns.get(dim)
        if col is None or col not in df.columns:
            return df.clear()
        df = df.filter(pl.col(col).is_in(sorted(values)))
    return df
