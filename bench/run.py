"""The benchmark suite: one command, every figure a ratio against a baseline measured in the same run.

    .venv/bin/python -m bench.run                      # --size small: a few minutes
    .venv/bin/python -m bench.run --size medium        # 10M-row ingest, the 22M-row medium demo
    .venv/bin/python -m bench.run --size large         # + the 188M-row large demo (~15 min to build)
    .venv/bin/python -m bench.run --only web,mrp       # some benchmarks only

| benchmark | measured | baseline (same run, same machine) |
|---|---|---|
| ingest | `chainsight load` of a clean sell_out CSV, rows/s | DuckDB's own `read_csv` of the same file, no validation |
| metrics | 10 dashboard queries via `chainsight.metrics` | the same questions in hand-written DuckDB SQL (checked equal) |
| web | `/api/cockpit` and `/api/query` p50/p95 under 20 concurrent users (wrk) against `chainsight serve` | the same server's `/healthz` under the same load |
| forecast | `run_engine` (model selection by backtest) series/s | one plain statsforecast AutoETS fit on the same panel |
| mrp | `run_mrp` time at several sizes (3-level BOM, 52 weeks) | the smallest size (time ratio against size ratio) |
| spark (opt-in: `--only spark`) | the 10 metric queries on local Spark (`bench_spark`) | the same queries on DuckDB |

Every measurement runs in its own process; its peak memory is the highest sum of resident memory
over the process and its children (sampled from /proc every 100 ms) or the kernel's max RSS,
whichever is larger. Results go to ``bench/results/suite-<size>.json`` and the ``suite-<size>``
section of bench/README.md; ``--chart`` redraws docs/sizing-curves.png from every results file.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"
DEMO_DIR = ROOT / "demo-data"
CHART = ROOT / "docs" / "sizing-curves.png"
PY = sys.executable
BIN = Path(sys.executable).parent

SIZES: dict[str, dict[str, Any]] = {
    "small": {
        "ingest_rows": [300_000, 1_000_000],
        "demos": ["small"],
        "web_demo": "small",
        "forecast_series": [200],
        "mrp_skus": [100, 300, 1000],
        "spark_demos": ["small"],
        "metrics_repeat": 3,
        "web_seconds": 10,
    },
    "medium": {
        "ingest_rows": [1_000_000, 3_000_000, 10_000_000],
        "demos": ["small", "medium"],
        "web_demo": "medium",
        "forecast_series": [200, 1000],
        "mrp_skus": [300, 1000, 3000],
        "spark_demos": ["small", "medium"],
        "metrics_repeat": 3,
        "web_seconds": 20,
    },
    "large": {
        "ingest_rows": [1_000_000, 10_000_000, 30_000_000],
        "demos": ["small", "medium", "large"],
        "web_demo": "medium",
        "forecast_series": [1000, 3000],
        "mrp_skus": [1000, 3000, 10000],
        "spark_demos": ["small", "medium"],
        "metrics_repeat": 2,
        "web_seconds": 30,
    },
}
BENCHMARKS = ("ingest", "metrics", "web", "forecast", "mrp")


# --------------------------------------------------------------------------- processes and memory
def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        p = int(entry)
        children.setdefault(int(fields[1]), []).append(p)  # fields[1] is the parent pid
        rss[p] = int(fields[21]) * page  # fields[21] is rss in pages
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


class Watched:
    """A child process whose peak memory (process tree) is sampled until it ends."""

    def __init__(self, cmd: list[str], *, stdout: Any = None, stderr: Any = None, env: dict | None = None):
        self.proc = subprocess.Popen(
            cmd, stdout=stdout, stderr=stderr, env=env, cwd=ROOT, start_new_session=True
        )
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        self.maxrss = 0
        self.started = time.perf_counter()
        self.seconds = 0.0

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(self.proc.pid))
            self._stop.wait(0.1)

    def wait(self, timeout: float | None = None) -> int:
        """Reap the child with wait4 (its own max RSS) and stop sampling; returns the exit status."""
        deadline = None if timeout is None else time.monotonic() + timeout
        killed = False
        while self.proc.returncode is None:
            try:
                pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            except ChildProcessError:  # already reaped by Popen.poll()
                break
            if pid:
                self.maxrss = usage.ru_maxrss * 1024  # KiB on Linux
                self.proc.returncode = os.waitstatus_to_exitcode(status)
                break
            if deadline is not None and time.monotonic() > deadline and not killed:
                self.stop(signal.SIGKILL)
                killed = True
            time.sleep(0.05)
        self.seconds = time.perf_counter() - self.started
        self._stop.set()
        self._thread.join()
        return int(self.proc.returncode if self.proc.returncode is not None else -1)

    def stop(self, sig: int = signal.SIGINT) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)

    @property
    def peak_mib(self) -> float:
        return round(max(self.peak, self.maxrss) / 2**20, 1)


def run_child(args: list[str], timeout: float = 7200) -> dict[str, Any]:
    """Run ``python -m bench.run --child ...`` (or any python args); its last stdout line is JSON."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        w = Watched([PY, *args], stdout=out, stderr=err)
        rc = w.wait(timeout)
        out.seek(0)
        err.seek(0)
        text, errors = out.read(), err.read()
    if rc != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({rc}):\n{errors[-3000:]}")
    lines = [ln for ln in text.strip().splitlines() if ln.startswith("{")]
    result = json.loads(lines[-1]) if lines else {}
    result["peak_mib"] = w.peak_mib
    result["process_seconds"] = round(w.seconds, 2)
    return result


# --------------------------------------------------------------------------- machine
def machine() -> dict[str, Any]:
    import importlib.metadata as md

    def version(name: str) -> str:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return "-"

    cpu = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "load_average_start": round(os.getloadavg()[0], 1),
        "versions": {
            "python": platform.python_version(),
            **{
                n: version(n)
                for n in ("chainsight", "duckdb", "ibis-framework", "polars", "statsforecast", "pyspark")
            },
            "wrk": _wrk_version(),
        },
        "commit": commit,
    }


def _wrk_version() -> str:
    if not shutil.which("wrk"):
        return "-"
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return (out.stdout + out.stderr).split()[1] if (out.stdout + out.stderr).split()[1:] else "?"


# --------------------------------------------------------------------------- demo warehouses
def demo_warehouse(scale: str, given: str | None) -> tuple[Path, float | None]:
    """The demo warehouse of ``scale``: given, or demo-data/chainsight-<scale>.duckdb, built when missing."""
    if given:
        return Path(given), None
    path = DEMO_DIR / f"chainsight-{scale}.duckdb"
    if path.exists():
        return path, None
    print(f"building the {scale} demo warehouse at {path} ...", file=sys.stderr, flush=True)
    t = time.perf_counter()
    subprocess.run(
        [
            str(BIN / "chainsight"),
            "demo",
            "run",
            "--scale",
            scale,
            "--out",
            str(DEMO_DIR / scale),
            "--warehouse",
            str(path),
        ],
        check=True,
        cwd=ROOT,
    )
    return path, round(time.perf_counter() - t, 1)


def fact_rows(path: Path) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for t in ("sell_out", "online_orders", "sell_in", "inventory"):
            out[t] = con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # type: ignore[index]
        return out
    finally:
        con.close()


# --------------------------------------------------------------------------- benchmarks
def bench_ingest(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    from bench.bench_ingest import make_data

    out = []
    for rows in cfg["ingest_rows"]:
        with tempfile.TemporaryDirectory(prefix="cs-suite-ingest-") as tmp:
            make_data(Path(tmp), rows)
            size = (Path(tmp) / "sell_out.csv").stat().st_size
            res = {}
            for kind in ("baseline", "chainsight"):
                res[kind] = run_child(
                    ["-m", "bench.bench_ingest", "--child", kind, "--dir", tmp, "--rows", str(rows)]
                )
                assert res[kind]["rows"] == rows, res[kind]
        base, ours = res["baseline"], res["chainsight"]
        out.append(
            {
                "rows": rows,
                "csv_mib": round(size / 2**20, 1),
                "baseline_s": round(base["seconds"], 2),
                "chainsight_s": round(ours["seconds"], 2),
                "baseline_rows_per_s": round(rows / base["seconds"]),
                "chainsight_rows_per_s": round(rows / ours["seconds"]),
                "ratio": round(ours["seconds"] / base["seconds"], 2),
                "baseline_peak_mib": base["peak_mib"],
                "chainsight_peak_mib": ours["peak_mib"],
            }
        )
        print(f"ingest {rows:,}: {out[-1]}", file=sys.stderr, flush=True)
    return out


def bench_metrics(cfg: dict[str, Any], warehouses: dict[str, Path]) -> list[dict[str, Any]]:
    out = []
    for scale in cfg["demos"]:
        path = warehouses[scale]
        with tempfile.TemporaryDirectory() as tmp:
            res = run_child(
                [
                    str(ROOT / "bench" / "bench_metrics.py"),
                    str(path),
                    "--repeat",
                    str(cfg["metrics_repeat"]),
                    "--json",
                    f"{tmp}/m.json",
                ]
            )
            detail = json.loads(Path(f"{tmp}/m.json").read_text(encoding="utf-8"))["results"]
        sizes = fact_rows(path)
        ours = sum(r["chainsight_ms"] for r in detail)
        sql = sum(r["sql_ms"] for r in detail)
        out.append(
            {
                "demo": scale,
                "fact_rows": sum(sizes.values()),
                "tables": sizes,
                "chainsight_ms": round(ours),
                "sql_ms": round(sql),
                "first_run_ms": round(sum(r["first_run_ms"] for r in detail)),
                "ratio": round(ours / sql, 2),
                "queries": detail,
                "peak_mib": res["peak_mib"],
            }
        )
        print(f"metrics {scale}: {ours:.0f} ms vs {sql:.0f} ms", file=sys.stderr, flush=True)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


WRK_SCRIPT = r"""
tokens = {}
for t in string.gmatch(os.getenv("BENCH_TOKENS"), "[^,]+") do tokens[#tokens + 1] = t end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", nil, {["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1]})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "errors": %d, "non_2xx": %d, "p50_ms": %.2f, "p95_ms": %.2f, ' ..
    '"p99_ms": %.2f, "mean_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000, latency.max / 1000))
end
"""

WEB_TARGETS = [
    ("healthz", "/healthz", "baseline: `/healthz` (no auth, no data)"),
    ("cockpit", "/api/cockpit?lang=zh", "`/api/cockpit` — everything the cockpit shows (cached per scope)"),
    (
        "query",
        "/api/query?metrics=net_sales,sales_qty&by=province&grain=month",
        "`/api/query` net sales & qty by province × month (not cached)",
    ),
]


def bench_web(cfg: dict[str, Any], warehouse: Path, users: int = 20) -> dict[str, Any]:
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    seconds = cfg["web_seconds"]
    with tempfile.TemporaryDirectory(prefix="cs-suite-web-") as tmp:
        appdb = f"sqlite:///{tmp}/app.sqlite"
        cli = [str(BIN / "chainsight")]
        common = ["--warehouse", str(warehouse), "--appdb", appdb]
        for name, extra in (
            ("boss", ["--role", "admin"]),
            ("zj", ["--role", "sales_manager", "--scope", "province=浙江省"]),
        ):
            subprocess.run(
                [*cli, "users", "add", name, *extra, "--password-stdin", *common],
                input="bench password 123\n",
                text=True,
                check=True,
                capture_output=True,
            )
        tokens = [
            subprocess.run(
                [*cli, "users", "token", name, "--name", "bench", *common],
                text=True,
                check=True,
                capture_output=True,
            ).stdout.strip()
            for name in ("boss", "zj")
        ]
        script = Path(tmp) / "bench.lua"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        port = _free_port()
        log = open(Path(tmp) / "serve.log", "w+")  # noqa: SIM115
        server = Watched([*cli, "serve", *common, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            t0 = time.perf_counter()
            while True:
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=2).read()
                    break
                except OSError:
                    if server.proc.poll() is not None or time.perf_counter() - t0 > 600:
                        log.seek(0)
                        raise RuntimeError("chainsight serve did not start:\n" + log.read()[-3000:]) from None
                    time.sleep(0.5)
            start_s = time.perf_counter() - t0
            # warm up: each scope's cockpit computed once (serve also warms it in the background)
            for token in tokens:
                for _, path, _ in WEB_TARGETS:
                    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
                    with urllib.request.urlopen(req, timeout=600) as r:
                        assert r.status == 200, (path, r.status)
            warm_s = time.perf_counter() - t0 - start_s
            env = {**os.environ, "BENCH_TOKENS": ",".join(tokens)}
            results: dict[str, Any] = {}
            for name, path, _ in WEB_TARGETS:
                out = subprocess.run(
                    [
                        "wrk",
                        "-t2",
                        f"-c{users}",
                        f"-d{seconds}s",
                        "--timeout",
                        "120s",
                        "-s",
                        str(script),
                        base + path,
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                line = [ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1]
                r = json.loads(line)
                r["requests_per_s"] = round(r["requests"] / r["seconds"], 1)
                if r["errors"] or r["non_2xx"]:
                    raise RuntimeError(f"{path}: {r['errors']} errors, {r['non_2xx']} non-2xx under load")
                results[name] = r
                print(f"web {name}: {r}", file=sys.stderr, flush=True)
        finally:
            server.stop(signal.SIGINT)
            server.wait(60)
            log.close()
    return {
        "demo": warehouse.name,
        "users": users,
        "seconds": seconds,
        "server_start_s": round(start_s, 1),
        "warm_up_s": round(warm_s, 1),
        "server_peak_mib": server.peak_mib,
        "targets": results,
    }


def _panel(series: int, weeks: int = 104):  # type: ignore[no-untyped-def]
    """Weekly series with a yearly swing, Poisson noise (seeded): the forecast benchmark's input."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    t = np.arange(weeks)
    level = rng.gamma(2.0, 20.0, series)[:, None]
    y = rng.poisson(level * (1 + 0.3 * np.sin(2 * np.pi * t / 52))[None, :]).astype(float)
    ds = pd.date_range("2024-01-01", periods=weeks, freq="W-MON")
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"S{i}" for i in range(series)], weeks),
            "ds": np.tile(ds, series),
            "y": y.ravel(),
        }
    )


def child_forecast(kind: str, series: int, jobs: int) -> dict[str, Any]:
    import warnings

    panel = _panel(series)
    t = time.perf_counter()
    if kind == "baseline":
        from statsforecast import StatsForecast
        from statsforecast.models import AutoETS

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = StatsForecast(models=[AutoETS(season_length=52)], freq="W-MON", n_jobs=jobs).forecast(
                df=panel, h=13
            )
        n = fc["unique_id"].nunique()
    else:
        from chainsight.planning import run_engine

        res = run_engine(panel, 13, "week", n_jobs=jobs)
        n = res.forecast["unique_id"].nunique()
    return {"seconds": time.perf_counter() - t, "series": int(n)}


def bench_forecast(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    jobs = min(2, os.cpu_count() or 1)
    for series in cfg["forecast_series"]:
        res = {
            kind: run_child(
                ["-m", "bench.run", "--child", f"forecast-{kind}", "--n", str(series), "--jobs", str(jobs)]
            )
            for kind in ("baseline", "chainsight")
        }
        base, ours = res["baseline"], res["chainsight"]
        out.append(
            {
                "series": series,
                "weeks": 104,
                "horizon": 13,
                "jobs": jobs,
                "baseline_s": round(base["seconds"], 1),
                "chainsight_s": round(ours["seconds"], 1),
                "baseline_series_per_s": round(series / base["seconds"], 1),
                "chainsight_series_per_s": round(series / ours["seconds"], 1),
                "ratio": round(ours["seconds"] / base["seconds"], 2),
                "baseline_peak_mib": base["peak_mib"],
                "chainsight_peak_mib": ours["peak_mib"],
            }
        )
        print(f"forecast {series}: {out[-1]}", file=sys.stderr, flush=True)
    return out


def child_mrp(skus: int, weeks: int) -> dict[str, Any]:
    """``run_mrp`` over skus finished goods × 3-level BOM (bench_forecast.mrp_bench's company)."""
    from bench.bench_forecast import mrp_bench

    t = time.perf_counter()
    r = mrp_bench(skus, weeks)
    # mrp_bench times run_mrp alone (rounded to 0.1 s); the wall time adds building the inputs
    r["with_inputs_seconds"] = round(time.perf_counter() - t, 2)
    return r


def bench_mrp(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for skus in cfg["mrp_skus"]:
        r = run_child(["-m", "bench.run", "--child", "mrp", "--n", str(skus)])
        out.append(r)
        print(f"mrp {skus}: {r}", file=sys.stderr, flush=True)
    first = out[0]
    for r in out:
        r["size_ratio"] = round(r["skus"] / first["skus"], 2)
        r["time_ratio"] = round(r["seconds"] / first["seconds"], 2) if first["seconds"] else None
    return out


def child_spark(path: str, repeat: int) -> dict[str, Any]:
    """bench_spark: the metric queries on local Spark (a copy of the warehouse as Parquet) vs DuckDB."""
    from bench.bench_spark import run

    with tempfile.TemporaryDirectory(prefix="cs-suite-spark-") as tmp:
        return run(path, "local[2]", repeat, str(Path(tmp) / "spark"))


def bench_spark(cfg: dict[str, Any], warehouses: dict[str, Path]) -> list[dict[str, Any]]:
    out = []
    for scale in cfg["spark_demos"]:
        path = warehouses[scale]
        r = run_child(
            [
                "-m",
                "bench.run",
                "--child",
                "spark",
                "--warehouse-path",
                str(path),
                "--repeat",
                str(cfg["metrics_repeat"]),
            ]
        )
        spark = sum(q["spark_ms"] for q in r["rows"])
        duck = sum(q["duckdb_ms"] for q in r["rows"])
        out.append(
            {
                "demo": scale,
                "fact_rows": sum(r["sizes"].values()),
                "spark_ms": spark,
                "duckdb_ms": duck,
                "ratio": round(spark / duck, 2),
                "copy_s": round(r["copy_s"], 1),
                "start_s": round(r["start_s"], 1),
                "queries": r["rows"],
                "peak_mib": r["peak_mib"],
            }
        )
        print(f"spark {scale}: {spark} ms vs DuckDB {duck} ms", file=sys.stderr, flush=True)
    return out


# --------------------------------------------------------------------------- report
def _n(x: float) -> str:
    return f"{x / 1e6:.1f}M" if x >= 1e6 else f"{x / 1e3:.0f}k" if x >= 1e3 else f"{x:.0f}"


def report(res: dict[str, Any]) -> str:
    m = res["machine"]
    v = m["versions"]
    size = res["size"]
    lines = [
        f"### Suite, size {size}",
        "",
        "Commands: "
        + ", ".join(f"`{c}`" for c in res.get("commands", [f".venv/bin/python -m bench.run --size {size}"])),
        "",
        f"{m['date']} · {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['os']} · load average "
        f"{m['load_average_start']} at start, {res.get('load_average_end', '?')} at end (the machine is shared: "
        "read the ratios) · Python {python}, DuckDB {duckdb}, Ibis {ibis}, Polars {polars}, statsforecast "
        "{sf}, PySpark {spark}, wrk {wrk} · commit {commit} · whole run {total:.0f} s.".format(
            python=v["python"],
            duckdb=v["duckdb"],
            ibis=v["ibis-framework"],
            polars=v["polars"],
            sf=v["statsforecast"],
            spark=v["pyspark"],
            wrk=v["wrk"],
            commit=m["commit"],
            total=res.get("seconds", 0),
        ),
        "",
        "| benchmark | size | Chainsight | baseline | ratio | peak memory (Chainsight / baseline) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in res.get("ingest", []):
        lines.append(
            f"| ingest: `chainsight load` vs DuckDB `read_csv` | {_n(r['rows'])} rows ({r['csv_mib']:.0f} MiB CSV) | "
            f"{r['chainsight_s']:.2f} s = {r['chainsight_rows_per_s']:,} rows/s | {r['baseline_s']:.2f} s = "
            f"{r['baseline_rows_per_s']:,} rows/s | {r['ratio']:.2f}× | {r['chainsight_peak_mib']:,.0f} / "
            f"{r['baseline_peak_mib']:,.0f} MiB |"
        )
    for r in res.get("metrics", []):
        lines.append(
            f"| metrics: 10 dashboard queries vs hand-written SQL | {r['demo']} demo, {_n(r['fact_rows'])} fact rows | "
            f"{r['chainsight_ms']:,} ms (first run {r['first_run_ms']:,}) | {r['sql_ms']:,} ms | {r['ratio']:.2f}× | "
            f"{r['peak_mib']:,.0f} MiB (both in one process) |"
        )
    web = res.get("web")
    if web:
        h = web["targets"]["healthz"]
        for name, _, label in WEB_TARGETS[1:]:
            t = web["targets"][name]
            lines.append(
                f"| web: {label}, {web['users']} concurrent users (wrk, {web['seconds']} s) | {web['demo']} | "
                f"p50 {t['p50_ms']:.1f} ms, p95 {t['p95_ms']:.1f} ms, {t['requests_per_s']:,} req/s | "
                f"p50 {h['p50_ms']:.1f} ms, p95 {h['p95_ms']:.1f} ms, {h['requests_per_s']:,} req/s | "
                f"p50 {t['p50_ms'] / h['p50_ms']:.1f}×, p95 {t['p95_ms'] / h['p95_ms']:.1f}× | "
                f"server {web['server_peak_mib']:,.0f} MiB |"
            )
    for r in res.get("forecast", []):
        lines.append(
            f"| forecast: `run_engine` (selection by backtest) vs one AutoETS | {r['series']:,} weekly series × "
            f"{r['weeks']} weeks, h={r['horizon']}, {r['jobs']} jobs | {r['chainsight_s']:.1f} s = "
            f"{r['chainsight_series_per_s']} series/s | {r['baseline_s']:.1f} s = {r['baseline_series_per_s']} series/s | "
            f"{r['ratio']:.1f}× | {r['chainsight_peak_mib']:,.0f} / {r['baseline_peak_mib']:,.0f} MiB |"
        )
    for r in res.get("spark", []):
        lines.append(
            f"| Spark local[2]: the same 10 queries vs DuckDB (`bench_spark`) | {r['demo']} demo, "
            f"{_n(r['fact_rows'])} fact rows | {r['spark_ms']:,} ms (copy to Parquet {r['copy_s']} s, start "
            f"{r['start_s']} s) | DuckDB {r['duckdb_ms']:,} ms | {r['ratio']:.1f}× | {r['peak_mib']:,.0f} MiB "
            "(JVM + Python, both engines in one process) |"
        )
    mrp = res.get("mrp", [])
    for r in mrp:
        lines.append(
            f"| MRP (`run_mrp`) vs the smallest size | {r['skus']:,} SKUs × 3-level BOM × {r['weeks']} weeks "
            f"({2 * r['skus'] + 200:,} items) | {r['seconds']} s, {r['orders']:,} planned orders | "
            f"{mrp[0]['skus']:,} SKUs: {mrp[0]['seconds']} s | {r['time_ratio']}× time for {r['size_ratio']}× size | "
            f"{r['peak_mib']:,.0f} MiB |"
        )
    if web:
        lines += [
            "",
            f"Web: `chainsight serve` in its own process (started in {web['server_start_s']} s; first requests "
            f"per scope {web['warm_up_s']} s), driven by wrk with {web['users']} connections, each one user sending "
            "its next request as soon as the last one is answered (no think time: a harsher load than 20 people "
            "clicking), alternating an admin's and a 浙江省 sales manager's API tokens.",
        ]
    if res.get("demo_build_s"):
        built = ", ".join(f"{k} {v:.0f} s" for k, v in res["demo_build_s"].items() if v)
        if built:
            lines += ["", f"Demo warehouses built for this run: {built}."]
    return "\n".join(lines)


def write_chart() -> Path | None:
    """docs/sizing-curves.png: ingest and metric-query time against rows, from every results file."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    except ImportError:
        return None
    runs = [json.loads(f.read_text(encoding="utf-8")) for f in RESULTS.glob("suite-*.json")]

    def widest(key: str) -> list[dict[str, Any]]:
        # each curve from one run (the one with the most sizes, then the latest): no mixing of runs
        best = max(runs, key=lambda d: (len(d.get(key, [])), d["machine"]["date"]), default={})
        return list(best.get(key, []))

    ingest = {
        r["rows"]: {"chainsight": r["chainsight_s"], "baseline": r["baseline_s"]} for r in widest("ingest")
    }
    metrics = {
        r["fact_rows"]: {"chainsight": r["chainsight_ms"] / 1000, "baseline": r["sql_ms"] / 1000}
        for r in widest("metrics")
    }
    spark = {r["fact_rows"]: r["spark_ms"] / 1000 for r in widest("spark")}
    if not ingest and not metrics:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, data, title, base_label in (
        (axes[0], ingest, "Ingest: one sell_out CSV", "DuckDB read_csv (no validation)"),
        (axes[1], metrics, "10 dashboard metric queries (total)", "hand-written DuckDB SQL"),
    ):
        xs = sorted(data)
        if xs:
            ax.plot(xs, [data[x]["chainsight"] for x in xs], "o-", label="Chainsight")
            ax.plot(xs, [data[x]["baseline"] for x in xs], "s--", label=base_label)
        if ax is axes[1] and spark:
            sx = sorted(spark)
            ax.plot(sx, [spark[x] for x in sx], "^:", label="Chainsight on Spark local[2]")
        ax.set_xscale("log")
        ax.set_yscale("log")
        for axis, fmt in ((ax.xaxis, _n), (ax.yaxis, lambda y: f"{y:g}")):
            axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            axis.set_major_formatter(FuncFormatter(lambda v, _, fmt=fmt: fmt(v)))
            axis.set_minor_formatter(NullFormatter())
        for x in xs:
            ax.annotate(
                f"{data[x]['chainsight']:.1f} s",
                (x, data[x]["chainsight"]),
                textcoords="offset points",
                xytext=(0, 7),
                ha="center",
                fontsize=8,
            )
        ax.set_xlabel("rows")
        ax.set_ylabel("seconds")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle("Time against rows on one machine (bench/run.py; 2 shared cores, log scales)")
    fig.tight_layout()
    CHART.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(CHART, dpi=110)
    plt.close(fig)
    return CHART


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", choices=list(SIZES), default="small")
    ap.add_argument("--only", help=f"comma-separated subset of {','.join(BENCHMARKS)}")
    for scale in ("small", "medium", "large"):
        ap.add_argument(
            f"--{scale}-warehouse", help=f"an existing {scale} demo warehouse (else built when missing)"
        )
    ap.add_argument(
        "--no-write", action="store_true", help="print only; do not write bench/README.md or results"
    )
    ap.add_argument(
        "--chart", action="store_true", help="only redraw docs/sizing-curves.png from bench/results"
    )
    ap.add_argument(
        "--render", action="store_true", help="only rewrite the --size section of bench/README.md"
    )
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--warehouse-path", help=argparse.SUPPRESS)
    ap.add_argument("--repeat", type=int, default=2, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        if a.child.startswith("forecast-"):
            out = child_forecast(a.child.removeprefix("forecast-"), a.n, a.jobs)
        elif a.child == "mrp":
            out = child_mrp(a.n, 52)
        elif a.child == "spark":
            out = child_spark(a.warehouse_path, a.repeat)
        else:
            raise SystemExit(f"unknown child {a.child}")
        print(json.dumps(out, default=str))
        return 0
    if a.chart:
        print(write_chart())
        return 0
    if a.render:  # rewrite the README section from the stored results (after editing the report)
        from bench._report import update_section

        update_section(
            f"suite-{a.size}", report(json.loads((RESULTS / f"suite-{a.size}.json").read_text("utf-8")))
        )
        return 0
    only = set((a.only or ",".join(BENCHMARKS)).split(","))
    unknown = only - set(BENCHMARKS) - {"spark"}
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    cfg = SIZES[a.size]
    started = time.perf_counter()
    command = " ".join([".venv/bin/python -m bench.run", *(argv if argv is not None else sys.argv[1:])])
    res: dict[str, Any] = {"size": a.size, "machine": machine(), "config": cfg, "commands": [command]}
    need = (
        set(cfg["demos"] if "metrics" in only else [])
        | ({cfg["web_demo"]} if "web" in only else set())
        | set(cfg["spark_demos"] if "spark" in only else [])
    )
    warehouses, built = {}, {}
    for scale in sorted(need, key=["small", "medium", "large"].index):
        warehouses[scale], built[scale] = demo_warehouse(scale, getattr(a, f"{scale}_warehouse"))
    res["demo_build_s"] = built
    res["warehouses"] = {k: str(v) for k, v in warehouses.items()}
    if "ingest" in only:
        res["ingest"] = bench_ingest(cfg)
    if "metrics" in only:
        res["metrics"] = bench_metrics(cfg, warehouses)
    if "web" in only:
        res["web"] = bench_web(cfg, warehouses[cfg["web_demo"]])
    if "forecast" in only:
        res["forecast"] = bench_forecast(cfg)
    if "mrp" in only:
        res["mrp"] = bench_mrp(cfg)
    if "spark" in only:
        res["spark"] = bench_spark(cfg, warehouses)
    res["seconds"] = round(time.perf_counter() - started, 1)
    res["load_average_end"] = round(os.getloadavg()[0], 1)
    text = report(res)
    print(text)
    if not a.no_write:
        from bench._report import update_section

        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"suite-{a.size}.json"
        if a.only and path.exists():  # a partial run keeps the other benchmarks' last results
            old = json.loads(path.read_text(encoding="utf-8"))
            res = {**old, **res, "commands": [*old.get("commands", []), command]}
            text = report(res)
        path.write_text(json.dumps(res, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        update_section(f"suite-{a.size}", text)
        chart = write_chart()
        print(
            f"wrote {path}, bench/README.md (suite-{a.size}){', ' + str(chart) if chart else ''}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
