"""A tiny demo warehouse per session, an app database with one user per role, and signed-in clients."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from chainsight.appdb import AppDB
from chainsight.metrics import Scope
from chainsight.warehouse import Warehouse

PASSWORD = "correct horse battery staple"
PROVINCE = "浙江省"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives headless Debian Chromium through Playwright")


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """The tiny demo company, loaded once and opened read-only as the web app opens it."""
    from chainsight.demo import run

    root = tmp_path_factory.mktemp("webdemo")
    path = root / "w.duckdb"
    run(root / "data", path, scale="tiny", seed=0)
    wh = Warehouse.open(path, read_only=True)
    yield wh
    wh.close()


def make_db(url: str = "sqlite://") -> AppDB:
    from argon2 import PasswordHasher

    # argon2id still, with cheap parameters so each test signs in quickly
    db = AppDB(url, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    db.add_user("boss", PASSWORD, role="admin")
    db.add_user("zj", PASSWORD, role="sales_manager", scope=Scope.of(province=PROVINCE))
    db.add_user("nobody", PASSWORD, role="viewer")  # no scope: sees nothing
    db.add_user("plan", PASSWORD, role="planner")
    return db


@pytest.fixture
def appdb() -> AppDB:
    return make_db()


@pytest.fixture
def app(demo_warehouse: Warehouse, appdb: AppDB):  # type: ignore[no-untyped-def]
    from chainsight.web import create_app

    return create_app(demo_warehouse, appdb)


def _csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def _client(app, **kw):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient

    return TestClient(app, **kw)


@pytest.fixture
def csrf_of():  # type: ignore[no-untyped-def]
    """The CSRF token a page's forms carry."""
    return _csrf_of


@pytest.fixture
def make_client():  # type: ignore[no-untyped-def]
    """An anonymous TestClient for an app."""
    return _client


@pytest.fixture
def login():  # type: ignore[no-untyped-def]
    """``login(app, username)``: a TestClient signed in as ``username``."""

    def sign_in(app, username: str, password: str = PASSWORD, *, headers=None):  # type: ignore[no-untyped-def]
        c = _client(app, headers=headers or {})
        page = c.get("/login")
        r = c.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": _csrf_of(page.text), "next": "/"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text[:300]
        return c

    return sign_in


@pytest.fixture
def screenshots_dir(tmp_path: Path) -> Path:
    """Where browser tests save screenshots: $CHAINSIGHT_SCREENSHOTS (e.g. docs/screenshots) or a temp dir."""
    import os

    target = Path(os.environ.get("CHAINSIGHT_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target
