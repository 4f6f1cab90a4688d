"""The committed fixture files are exactly what ``tests/fixtures/make_fixtures.py`` writes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

GENERATOR = Path(__file__).resolve().parents[1] / "fixtures" / "make_fixtures.py"


def test_committed_fixtures_match_their_generator(tmp_path, ingest_dir, monkeypatch):
    spec = importlib.util.spec_from_file_location("make_fixtures", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "OUT", tmp_path)

    module.main()

    written = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    committed = {p.relative_to(ingest_dir): p.read_bytes() for p in ingest_dir.rglob("*") if p.is_file()}
    assert sorted(map(str, written)) == sorted(map(str, committed))
    changed = [str(name) for name, data in written.items() if committed[name] != data]
    assert changed == [], "run .venv/bin/python tests/fixtures/make_fixtures.py and commit the result"
