"""The AppDB flow — users, sign-in, sessions, API tokens, scopes, audit log, settings — on every backend.

Each test runs on a SQLite file in the default suite, and on a real PostgreSQL server under
``make test-postgres`` (the ``postgresql`` parameter is marked ``postgres``).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from chainsight._errors import UserInputError
from chainsight.appdb import AppDB, migrate
from chainsight.metrics import Scope

PASSWORD = "correct horse battery staple"
PROVINCE = "浙江省"


def test_a_new_database_is_migrated_to_head(backend_url: str, open_db) -> None:
    db = open_db(backend_url)
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    assert migrate.pending_revisions(db.engine) == []
    with db.engine.connect() as c:
        rows = c.execute(text(f"SELECT version_num FROM {migrate.VERSION_TABLE}")).all()
    assert rows == [(migrate.head_revision(),)]


def test_users_sign_in_and_sessions(backend_url: str, open_db) -> None:
    db: AppDB = open_db(backend_url)
    boss = db.add_user("boss", PASSWORD, role="admin", display_name="老板")
    zj = db.add_user("zj", PASSWORD, role="sales_manager", scope=Scope.of(province=PROVINCE))
    viewer = db.add_user("v", PASSWORD, role="viewer")
    assert boss.scope.unrestricted and viewer.scope.sees_nothing
    assert zj.scope.rules == {"province": frozenset({PROVINCE})}
    assert [u.username for u in db.list_users()] == ["boss", "v", "zj"]
    assert db.count_admins() == 1
    with pytest.raises(UserInputError, match="already exists"):
        db.add_user("boss", PASSWORD, role="viewer")
    with pytest.raises(UserInputError, match="at least"):
        db.add_user("short", "tiny", role="viewer")

    assert db.authenticate("zj", "not the password") is None
    assert db.authenticate("nobody", PASSWORD) is None
    me = db.authenticate("zj", PASSWORD)
    assert me is not None and me.username == "zj" and me.last_login_at is not None
    assert me.scope.rules == {"province": frozenset({PROVINCE})}  # Chinese text round-trips

    key = db.create_session(me, ip="10.0.0.7")
    assert db.session_user(key).username == "zj"  # type: ignore[union-attr]
    assert db.session_user(key + "x") is None
    # an expired session is refused
    with db.engine.begin() as c:
        c.execute(text("UPDATE cs_sessions SET expires_at = :t"), {"t": dt.datetime(2000, 1, 1)})
    assert db.session_user(key) is None
    key = db.create_session(me)
    db.end_session(key)
    assert db.session_user(key) is None

    # a narrower scope ends the user's sessions at once
    key = db.create_session(me)
    db.set_scope("zj", Scope.of(province="江苏省"))
    assert db.session_user(key) is None
    assert db.get_user("zj").scope.rules == {"province": frozenset({"江苏省"})}  # type: ignore[union-attr]
    with pytest.raises(UserInputError, match="admin's scope"):
        db.set_scope("boss", Scope.of(province=PROVINCE))

    # a new password ends sessions and the old one stops working
    key = db.create_session(me)
    db.set_password("zj", "another long passphrase")
    assert db.session_user(key) is None
    assert db.authenticate("zj", PASSWORD) is None
    assert db.authenticate("zj", "another long passphrase") is not None

    db.set_lang(me.id, "en")
    assert db.get_user("zj").lang == "en"  # type: ignore[union-attr]


def test_tokens_and_disabling(backend_url: str, open_db) -> None:
    db: AppDB = open_db(backend_url)
    db.add_user("plan", PASSWORD, role="planner")
    token = db.create_token("plan", "excel")
    assert token.startswith("cs_")
    assert db.token_user(token).username == "plan"  # type: ignore[union-attr]
    assert db.token_user("cs_forged") is None
    with pytest.raises(UserInputError, match="already exists"):
        db.create_token("plan", "excel")
    with db.engine.connect() as c:  # only the hash is stored, and use is recorded
        stored, used = c.execute(text("SELECT token_hash, last_used_at FROM cs_api_tokens")).one()
    assert token not in stored and len(stored) == 64 and used is not None
    db.revoke_token("plan", "excel")
    assert db.token_user(token) is None

    second = db.create_token("plan", "bi")
    key = db.create_session(db.get_user("plan"))  # type: ignore[arg-type]
    db.set_disabled("plan")
    assert db.authenticate("plan", PASSWORD) is None
    assert db.session_user(key) is None and db.token_user(second) is None
    with pytest.raises(UserInputError, match="disabled"):
        db.create_token("plan", "again")
    db.set_disabled("plan", False)
    assert db.authenticate("plan", PASSWORD) is not None
    assert db.token_user(second) is None  # revoked tokens stay revoked


def test_audit_log_records_every_change_newest_first(backend_url: str, open_db) -> None:
    db: AppDB = open_db(backend_url)
    db.add_user("boss", PASSWORD, role="admin")
    db.add_user("zj", PASSWORD, role="sales_manager", scope=Scope.of(province=PROVINCE), actor="boss")
    db.set_scope("zj", Scope.of(channel_kind="offline"), actor="boss")
    db.create_token("boss", "api")
    db.set_disabled("zj", actor="boss")
    db.audit("boss", "upload", target="sell_in.csv", detail="1200 rows", ip="10.1.2.3")
    log = db.audit_log()
    assert [e["action"] for e in log] == [
        "upload",
        "user_disable",
        "token_create",
        "scope_change",
        "user_add",
        "user_add",
    ]
    assert log[0] == {
        "at": log[0]["at"],
        "actor": "boss",
        "action": "upload",
        "target": "sell_in.csv",
        "detail": "1200 rows",
        "ip": "10.1.2.3",
    }
    change = json.loads(log[3]["detail"])
    assert change["before"]["scope"] == {"rules": {"province": [PROVINCE]}}
    assert change["after"]["scope"] == {"rules": {"channel_kind": ["offline"]}}
    assert [e["target"] for e in db.audit_log(action="user_add")] == ["zj", "boss"]
    assert len(db.audit_log(limit=2)) == 2


def test_data_and_secret_key_survive_reopening(backend_url: str, open_db) -> None:
    db: AppDB = open_db(backend_url)
    db.add_user("boss", PASSWORD, role="admin")
    key = db.create_session(db.get_user("boss"))  # type: ignore[arg-type]
    secret = db.secret_key()
    assert secret == db.secret_key() and len(secret) >= 48
    db.close()
    again: AppDB = open_db(backend_url)  # already at head: opens without migrating
    assert again.secret_key() == secret
    assert again.session_user(key).username == "boss"  # type: ignore[union-attr]


def test_foreign_keys_are_enforced(backend_url: str, open_db) -> None:
    db: AppDB = open_db(backend_url)
    with pytest.raises(IntegrityError), db.engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO cs_sessions (id, user_id, created_at, expires_at, ip) VALUES ('x', 999, :t, :t, '')"
            ),
            {"t": dt.datetime(2026, 1, 1)},
        )
