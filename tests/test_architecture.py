"""The package's shape, checked from its own imports: layers, no circles, public faces only.

The rules (README "Architecture"): a package imports only packages on lower layers; no module
imports itself back through others; across packages, only names a package's ``__all__`` offers,
never its private ``_x`` modules; each package's ``__all__`` names exactly its public namespace
(as httpx's ``test_exported_members`` does).
"""

from __future__ import annotations

import ast
import importlib
import types
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import chainsight

ROOT = Path(chainsight.__file__).parent

# Layer of each top-level package (or root module). A package may import only packages on a strictly
# lower layer; root modules (``_errors``, ``_cache``: the error hierarchy and one cache) are below all,
# and the root package's face (``chainsight/__init__``: the version and the error base) just above them.
LAYERS: dict[str, int] = {
    "_errors": -1,
    "_cache": -1,
    "chainsight": 0,
    "present": 1,
    "model": 2,
    "warehouse": 3,
    "ingest": 4,
    "metrics": 4,
    "appdb": 5,
    "analysis": 5,
    "planning": 5,
    "demo": 5,
    "alerts": 6,
    "readiness": 6,
    "reports": 7,
    "pipeline": 8,
    "web": 9,
    "_cli": 10,
    "cli": 11,
}
# Root modules every package may use (they are the root package's, not another package's privates).
SHARED_ROOT_MODULES = frozenset({"chainsight._errors", "chainsight._cache"})


@dataclass(frozen=True)
class Import:
    importer: str  # module doing the import
    module: str  # module imported from
    names: tuple[str, ...]  # names taken (empty for ``import x``)
    line: int


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_package(module: str) -> bool:
    return (ROOT.parent / Path(*module.split(".")) / "__init__.py").exists()


def _resolve(importer: str, node: ast.ImportFrom) -> str | None:
    if node.level == 0:
        return node.module
    base = importer.split(".")
    if not _is_package(importer):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _source_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "migrations" not in p.parts)


def imports() -> Iterator[Import]:
    for path in _source_files():
        importer = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _resolve(importer, node)
                if target and (target == "chainsight" or target.startswith("chainsight.")):
                    yield Import(importer, target, tuple(a.name for a in node.names), node.lineno)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("chainsight"):
                        yield Import(importer, alias.name, (), node.lineno)


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "chainsight"


def _package_of(module: str) -> str:
    """The package a module belongs to: itself when it is a package, else its parent."""
    return module if _is_package(module) else module.rpartition(".")[0]


def _module_target(imp: Import, name: str) -> str:
    """``from pkg import sub`` imports a module when ``pkg.sub`` is a file or package."""
    candidate = f"{imp.module}.{name}"
    path = ROOT.parent / Path(*candidate.split("."))
    return candidate if path.with_suffix(".py").exists() or (path / "__init__.py").exists() else imp.module


def test_every_package_has_a_layer() -> None:
    tops = {_top(_module_name(p)) for p in _source_files()}
    assert tops <= set(LAYERS), f"packages without a layer in LAYERS: {sorted(tops - set(LAYERS))}"


def test_packages_import_only_lower_layers() -> None:
    bad = sorted(
        f"{i.importer}:{i.line} imports {i.module} ({_top(i.importer)} is layer {LAYERS[_top(i.importer)]}, "
        f"{_top(i.module)} is layer {LAYERS[_top(i.module)]})"
        for i in imports()
        if _top(i.module) != _top(i.importer) and LAYERS[_top(i.module)] >= LAYERS[_top(i.importer)]
    )
    assert not bad, "imports that run sideways or back up:\n" + "\n".join(bad)


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for imp in imports():
        targets = [_module_target(imp, n) for n in imp.names] or [imp.module]
        for t in targets:
            # a package's __init__ re-exporting its own modules is the package's face, not a circle
            if t != imp.importer and not (_is_package(t) and imp.importer.startswith(t + ".")):
                graph[imp.importer].add(t)
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "import circles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_no_private_module_of_another_package_is_imported() -> None:
    bad = []
    for imp in imports():
        for target in [_module_target(imp, n) for n in imp.names] or [imp.module]:
            if target in SHARED_ROOT_MODULES or not target.rpartition(".")[2].startswith("_"):
                continue
            owner = _package_of(target) if _is_package(target) else target.rpartition(".")[0]
            if owner == "chainsight" and _is_package(target):
                owner = target  # a private package at the root (``_cli``) belongs to itself
            if not (imp.importer == owner or imp.importer.startswith(owner + ".")):
                bad.append(f"{imp.importer}:{imp.line} imports private {target}")
    # the ``cli`` entry point assembles the private ``_cli`` command groups: that is their only user
    bad = [b for b in bad if not b.startswith("chainsight.cli:")]
    assert not bad, "\n".join(sorted(bad))


def _public_packages() -> list[str]:
    return sorted(
        _module_name(p.parent)
        for p in ROOT.rglob("__init__.py")
        if "migrations" not in p.parts
        and not any(part.startswith("_") for part in p.parent.relative_to(ROOT).parts)
    )


def test_names_imported_across_packages_are_in_all() -> None:
    bad = []
    for imp in imports():
        if not imp.names or not _is_package(imp.module) or imp.module == "chainsight":
            continue
        if imp.importer == imp.module or imp.importer.startswith(imp.module + "."):
            continue  # inside the package itself
        if imp.module.rpartition(".")[2].startswith("_"):
            continue  # private root packages (``_cli``) are checked by the private-module rule
        exported = set(getattr(importlib.import_module(imp.module), "__all__", ()))
        for name in imp.names:
            if name not in exported and _module_target(imp, name) == imp.module:
                bad.append(
                    f"{imp.importer}:{imp.line} takes {name} from {imp.module}, which does not export it"
                )
    assert not bad, "\n".join(sorted(bad))


@pytest.mark.parametrize("package", _public_packages())
def test_all_is_exactly_the_public_namespace(package: str) -> None:
    mod = importlib.import_module(package)
    declared = getattr(mod, "__all__", None)
    assert declared is not None, f"{package} has no __all__"
    public = sorted(
        name
        for name, value in vars(mod).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType) and name != "annotations"
    )
    assert sorted(declared) == public, f"{package}.__all__ differs from its public names"
