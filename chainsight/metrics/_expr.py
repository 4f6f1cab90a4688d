"""A tiny, safe expression language for measures, filters and derived metrics.

Expressions are written in YAML with Python syntax but only a whitelist of forms:
names, numbers, strings, ``+ - * /``, comparisons, ``in [...]``, ``and/or/not``,
``x is None``, ``a if cond else b`` and a few functions. They compile to Ibis
expressions; values are Ibis literals, never text pasted into SQL.

>>> names(parse("qty * list_price if status == 'available' else 0"))
['list_price', 'qty', 'status']
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir

from chainsight._errors import ChainsightError

FUNCTIONS: dict[str, tuple[int, int]] = {  # name -> (min args, max args)
    "coalesce": (2, 9),
    "days_between": (2, 2),  # days_between(a, b) = b - a in days
    "near_expiry_days": (1, 1),  # shelf life days -> days before expiry (band table)
    "abs": (1, 1),
    "greatest": (2, 9),
    "least": (2, 9),
    "date": (1, 1),  # timestamp -> date
}

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_CMPOPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


class ExprError(ChainsightError, ValueError):
    """An expression is malformed; the catalog loader turns it into a DefinitionError."""


def parse(text: str) -> ast.expr:
    """Parse and check the form of an expression (names are checked by the caller)."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"syntax error: {exc.msg}") from None
    _check(tree.body)
    return tree.body


def names(node: ast.expr) -> list[str]:
    """Names the expression refers to (columns or metrics), sorted, without function names."""
    funcs = {id(s.func) for s in ast.walk(node) if isinstance(s, ast.Call)}
    return sorted({s.id for s in ast.walk(node) if isinstance(s, ast.Name) and id(s) not in funcs})


def _check(node: ast.expr) -> None:
    if isinstance(node, ast.Name):
        return
    if isinstance(node, ast.Constant):
        if node.value is not None and not isinstance(node.value, int | float | str | bool):
            raise ExprError(f"unsupported constant {node.value!r}")
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            raise ExprError(f"unsupported operator {type(node.op).__name__}")
        _check(node.left)
        _check(node.right)
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.Not):
            raise ExprError(f"unsupported operator {type(node.op).__name__}")
        _check(node.operand)
        return
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value)
        return
    if isinstance(node, ast.Compare):
        if len(node.ops) != 1:
            raise ExprError("chained comparisons are not supported; use 'and'")
        op, right = node.ops[0], node.comparators[0]
        _check(node.left)
        if isinstance(op, ast.In | ast.NotIn):
            if not isinstance(right, ast.List | ast.Tuple) or not all(
                isinstance(e, ast.Constant) for e in right.elts
            ):
                raise ExprError("'in' needs a list of constants, e.g. status in ['paid', 'shipped']")
            return
        if isinstance(op, ast.Is | ast.IsNot):
            if not (isinstance(right, ast.Constant) and right.value is None):
                raise ExprError("'is' only compares with None")
            return
        if type(op) not in _CMPOPS:
            raise ExprError(f"unsupported comparison {type(op).__name__}")
        _check(right)
        return
    if isinstance(node, ast.IfExp):
        _check(node.test)
        _check(node.body)
        _check(node.orelse)
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExprError(f"unknown function {ast.unparse(node.func)}; known: {known}")
        if node.keywords:
            raise ExprError("functions take positional arguments only")
        lo, hi = FUNCTIONS[node.func.id]
        if not lo <= len(node.args) <= hi:
            raise ExprError(f"{node.func.id} takes {lo}" + (f" to {hi}" if hi != lo else "") + " arguments")
        for arg in node.args:
            _check(arg)
        return
    raise ExprError(f"unsupported syntax: {ast.unparse(node)}")


Resolver = Callable[[str], ir.Value]


def compile_expr(node: ast.expr, resolve: Resolver, near_expiry: Callable[[ir.Value], ir.Value]) -> Any:
    """Compile a checked expression to an Ibis value; ``resolve`` maps a name to a column."""

    def c(n: ast.expr) -> Any:
        if isinstance(n, ast.Name):
            return resolve(n.id)
        if isinstance(n, ast.Constant):
            return ibis.null() if n.value is None else ibis.literal(n.value)
        if isinstance(n, ast.BinOp):
            left, right = c(n.left), c(n.right)
            if isinstance(n.op, ast.Add):
                return left + right
            if isinstance(n.op, ast.Sub):
                return left - right
            if isinstance(n.op, ast.Mult):
                return left * right
            return left / _nullif_zero(right)
        if isinstance(n, ast.UnaryOp):
            return -c(n.operand) if isinstance(n.op, ast.USub) else ~c(n.operand)
        if isinstance(n, ast.BoolOp):
            values = [c(v) for v in n.values]
            out = values[0]
            for v in values[1:]:
                out = (out & v) if isinstance(n.op, ast.And) else (out | v)
            return out
        if isinstance(n, ast.Compare):
            left, op, right = c(n.left), n.ops[0], n.comparators[0]
            if isinstance(op, ast.In | ast.NotIn):
                assert isinstance(right, ast.List | ast.Tuple)
                values = [e.value for e in right.elts if isinstance(e, ast.Constant)]
                expr = left.isin(values)
                return expr if isinstance(op, ast.In) else ~expr
            if isinstance(op, ast.Is):
                return left.isnull()
            if isinstance(op, ast.IsNot):
                return left.notnull()
            r = c(right)
            return {
                ast.Eq: lambda: left == r,
                ast.NotEq: lambda: left != r,
                ast.Lt: lambda: left < r,
                ast.LtE: lambda: left <= r,
                ast.Gt: lambda: left > r,
                ast.GtE: lambda: left >= r,
            }[type(op)]()
        if isinstance(n, ast.IfExp):
            return ibis.ifelse(c(n.test), c(n.body), c(n.orelse))
        if isinstance(n, ast.Call):
            assert isinstance(n.func, ast.Name)
            args = [c(a) for a in n.args]
            fn = n.func.id
            if fn == "coalesce":
                return ibis.coalesce(*args)
            if fn == "days_between":
                return args[1].delta(args[0], unit="day")
            if fn == "near_expiry_days":
                return near_expiry(args[0])
            if fn == "abs":
                return args[0].abs()
            if fn == "greatest":
                return ibis.greatest(*args)
            if fn == "least":
                return ibis.least(*args)
            if fn == "date":
                return args[0].cast("date")
        raise ExprError(f"unsupported syntax: {ast.unparse(n)}")  # pragma: no cover - parse() rejects it

    return c(node)


def _nullif_zero(value: Any) -> Any:
    """Division by zero gives null (no data), never an error or infinity."""
    return value.nullif(0) if hasattr(value, "nullif") else value
