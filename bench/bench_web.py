"""Cockpit server time on a demo warehouse: cold (first visit), SQL-warm, and cached.

    .venv/bin/python -m bench.bench_web --scale tiny
    .venv/bin/python -m bench.bench_web --scale medium --warehouse /tmp/medium.duckdb

Server time is measured in-process through the ASGI app (TestClient), from request to full HTML.
"cold" includes compiling each query shape (Ibis -> SQL) for the user's scope; "uncached" clears the
page cache but keeps compiled SQL (what a new scope or the first visit after a load costs); "cached" is a
repeat visit. Each is measured with rollups (``chainsight rollups refresh``; built here when missing) and
without (the compiler reading the fact tables). The target (issue 7): under 300 ms uncached on medium.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
import warnings
from pathlib import Path

PASSWORD = "bench password 123"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", default="tiny")
    ap.add_argument("--warehouse", help="Existing demo warehouse (otherwise one is generated in a temp dir).")
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()

    from argon2 import PasswordHasher

    from chainsight.appdb import AppDB
    from chainsight.metrics import Scope
    from chainsight.warehouse import Warehouse
    from chainsight.web import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient

    tmp = Path(tempfile.mkdtemp(prefix="bench_web_"))
    path = Path(args.warehouse) if args.warehouse else tmp / "w.duckdb"
    if not path.exists():
        from chainsight.demo import run

        t = time.perf_counter()
        run(tmp / "data", path, scale=args.scale)
        print(f"demo {args.scale}: generated and loaded in {time.perf_counter() - t:.1f}s")
    from chainsight.metrics import refresh_rollups, rollups_enabled

    with Warehouse.open(path) as rw:
        report = refresh_rollups(rw)
    print(
        "rollups:",
        ", ".join(f"{r['table']} {r['action']} ({r['rows']:,} rows, {r['ratio']}x)" for r in report.rollups),
    )
    wh = Warehouse.open(path, read_only=True)
    db = AppDB("sqlite://", hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    db.add_user("boss", PASSWORD, role="admin")
    db.add_user("zj", PASSWORD, role="sales_manager", scope=Scope.of(province="浙江省"))
    app = create_app(wh, db)
    views = app.state.services.views

    def client(user: str) -> TestClient:
        c = TestClient(app, headers={"accept-language": "zh-CN"})
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)  # type: ignore[union-attr]
        c.post(
            "/login",
            data={"username": user, "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        return c

    def timed(c: TestClient, path: str = "/") -> float:
        t = time.perf_counter()
        r = c.get(path)
        assert r.status_code == 200, r.status_code
        return (time.perf_counter() - t) * 1000

    rows = []
    for rollups in (True, False):
        rollups_enabled(rollups)
        for user in ("boss", "zj"):
            views.cache.clear()
            c = client(user)
            cold = timed(c)
            uncached = []
            for _ in range(max(3, args.repeat // 4)):
                views.cache.clear()
                uncached.append(timed(c))
            cached = [timed(c) for _ in range(args.repeat)]
            rows.append((rollups, user, cold, statistics.median(uncached), statistics.median(cached)))
    rollups_enabled(True)
    print(f"\ncockpit server time, {path.name}, ms (median)")
    print(f"{'rollups':<9}{'user':<8}{'cold':>10}{'uncached':>12}{'cached':>10}")
    for rollups, user, cold, uncached, cached in rows:
        print(f"{'yes' if rollups else 'no':<9}{user:<8}{cold:>10.0f}{uncached:>12.0f}{cached:>10.0f}")
    wh.close()


if __name__ == "__main__":
    main()
