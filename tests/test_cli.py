"""The `chainsight` command: JSON shapes, exit statuses, and user errors as one clear line."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chainsight.cli import main
from chainsight.ingest import load_files
from chainsight.model import ENTITIES, LOAD_ORDER
from chainsight.warehouse import DOMAINS, Warehouse

INGEST = Path(__file__).resolve().parent / "fixtures" / "ingest"
CHAINSIGHT = Path(sys.executable).parent / "chainsight"
LOAD_KEYS = [
    "entity",
    "files",
    "rows_read",
    "rows_loaded",
    "rows_updated",
    "rows_duplicate",
    "rows_rejected",
    "batch_id",
    "notes",  # deprecation notes, e.g. a column's former name was used ([] when none)
]


@pytest.fixture
def cli(monkeypatch, capsys):
    """cli(*args, lang="en") → (exit status, stdout, stderr), through the real entry point ``chainsight.cli:main``."""

    def run(*args: str, lang: str = "en") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["chainsight", *map(str, args)])
        monkeypatch.setenv("CHAINSIGHT_LANG", lang)
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def wh_path(tmp_path) -> Path:
    return tmp_path / "cli.duckdb"


@pytest.fixture(scope="module")
def _master_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "master.duckdb"
    with Warehouse.open(path) as wh:
        for entity in ("regions", "channels", "customers", "stores", "sites", "products"):
            load_files(wh, entity, [INGEST / "master" / f"{entity}.csv"])
    return path


@pytest.fixture
def master_path(_master_file, tmp_path) -> Path:
    """A warehouse file holding regions, channels, customers, stores, sites and products."""
    path = tmp_path / "master.duckdb"
    shutil.copyfile(_master_file, path)
    return path


def tables(path: Path) -> dict[str, tuple[int, int]]:
    """Row count and content hash of every table (the warehouse is closed again afterwards)."""
    with Warehouse.open(path) as wh:
        names = [
            r[0]
            for r in wh.duckdb.execute(
                "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1"
            ).fetchall()
        ]
        return {
            n: wh.duckdb.execute(f'SELECT count(*), coalesce(sum(hash(x)), 0) FROM "{n}" x').fetchone()
            for n in names
        }


def load_master(cli, wh_path: Path, *entities: str) -> None:
    for entity in entities:
        code, _, err = cli("load", entity, INGEST / "master" / f"{entity}.csv", "--warehouse", wh_path)
        assert code == 0, err


# --------------------------------------------------------------------------- entities
def test_entities_json_lists_all_24_entities_with_columns_and_descriptions(cli):
    code, out, _ = cli("entities", "--json")

    assert code == 0
    data = json.loads(out)
    assert [e["entity"] for e in data] == list(LOAD_ORDER)
    assert len(data) == 24
    for e in data:
        spec = ENTITIES[e["entity"]]
        assert e["label"]["zh"] and e["label"]["en"] and e["description"]["zh"] and e["description"]["en"]
        assert e["natural_key"] == list(spec.natural_key)
        assert [c["name"] for c in e["columns"]] == list(spec.column_names)
        for c in e["columns"]:
            assert c["type"] in {"string", "integer", "number", "date", "month", "timestamp"}
            assert isinstance(c["required"], bool)
            assert c["description"]["zh"] and c["description"]["en"], (e["entity"], c["name"])
    sell_in = next(e for e in data if e["entity"] == "sell_in")
    assert {"column": "customer_id", "references": ["customers.customer_id"]} in sell_in["foreign_keys"]


def test_entities_table_in_chinese(cli):
    code, out, _ = cli("entities", "--lang", "zh")

    assert code == 0
    assert "sell_in" in out and "销售出库" in out and "write_offs" in out


# --------------------------------------------------------------------------- load
def test_load_json_prints_exactly_the_documented_keys(cli, wh_path):
    code, out, _ = cli("load", "regions", INGEST / "master" / "regions.csv", "--warehouse", wh_path, "--json")

    assert code == 0
    data = json.loads(out)
    assert list(data) == LOAD_KEYS
    assert data["entity"] == "regions"
    assert data["files"] == [str(INGEST / "master" / "regions.csv")]
    assert (data["rows_read"], data["rows_loaded"], data["rows_rejected"]) == (5, 5, 0)
    assert isinstance(data["batch_id"], str) and data["batch_id"]


def test_load_with_a_mapping_and_rejected_rows_exits_0(cli, master_path):
    code, out, _ = cli(
        "load",
        "sell_in",
        INGEST / "sell_in_gbk.csv",
        "--mapping",
        INGEST / "sell_in_gbk.yaml",
        "--warehouse",
        master_path,
        "--json",
    )

    assert code == 0
    assert {k: json.loads(out)[k] for k in ("rows_read", "rows_loaded", "rows_rejected")} == {
        "rows_read": 4,
        "rows_loaded": 3,
        "rows_rejected": 1,
    }


def test_load_summary_points_at_the_rejects(cli, wh_path):
    code, out, _ = cli("load", "products", INGEST / "products_rejects.csv", "--warehouse", wh_path)

    assert code == 0
    assert "products" in out and "rejected 9" in out and "chainsight rejects products" in out


def test_warehouse_from_environment(cli, wh_path, monkeypatch):
    monkeypatch.setenv("CHAINSIGHT_WAREHOUSE", str(wh_path))

    code, _, _ = cli("load", "channels", INGEST / "master" / "channels.csv")

    assert code == 0
    assert tables(wh_path)["channels"][0] == 4


# --------------------------------------------------------------------------- user errors
ERRORS = {
    "empty file": (["load", "sell_in", INGEST / "empty.csv"], "empty.csv", "empty"),
    "binary named .csv": (["load", "sell_in", INGEST / "binary.csv"], "binary.csv", "binary"),
    "truncated xlsx": (["load", "sell_in", INGEST / "truncated.xlsx"], "truncated.xlsx", "truncated"),
    "truncated parquet": (
        ["load", "sell_in", INGEST / "truncated.parquet"],
        "truncated.parquet",
        "truncated",
    ),
    "no such file": (["load", "sell_in", INGEST / "nope.csv"], "nope.csv", "does not exist"),
    "unsupported format": (["load", "sell_in", INGEST / "notes.pdf"], "notes.pdf", "unsupported"),
    "missing columns": (
        ["load", "sell_in", INGEST / "sell_in_missing_column.csv"],
        "sell_in_missing_column.csv",
        "missing required columns: qty, net_amount",
    ),
    "second file unreadable": (
        ["load", "sell_out", INGEST / "sell_out.tsv", INGEST / "empty.csv"],
        "empty.csv",
        "empty",
    ),
    "mapping names a missing header": (
        ["load", "sell_in", INGEST / "sell_in.parquet", "--mapping", INGEST / "sell_in_gbk.yaml"],
        "sell_in.parquet",
        "单据编号",
    ),
    "mapping for another entity": (
        ["load", "sell_out", INGEST / "sell_out.tsv", "--mapping", INGEST / "sell_in_gbk.yaml"],
        "sell_in_gbk.yaml",
        "doc_id",
    ),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_user_error_exits_2_names_the_file_and_writes_nothing(cli, master_path, case):
    args, file, problem = ERRORS[case]
    before = tables(master_path)

    code, out, err = cli(*args, "--warehouse", master_path)

    assert code == 2
    text = " ".join(err.split())  # undo the console's line wrapping
    assert file in text and problem in text, err
    assert "Traceback" not in err and out == ""
    assert tables(master_path) == before


def test_unknown_entity_exits_2_listing_the_known_ones(cli, wh_path):
    code, _, err = cli("load", "sellin", INGEST / "sell_out.tsv", "--warehouse", wh_path)

    assert code == 2
    text = " ".join(err.split())
    assert "unknown entity 'sellin'" in text and "sell_in" in text and "Traceback" not in err


def test_unknown_entity_error_names_the_file(cli, wh_path):
    _, _, err = cli("load", "sellin", INGEST / "sell_out.tsv", "--warehouse", wh_path)

    assert "sell_out.tsv" in err


def test_user_error_is_one_line(cli, wh_path):
    _, _, err = cli("load", "sell_in", INGEST / "sell_in_missing_column.csv", "--warehouse", wh_path)

    assert len(err.strip().splitlines()) == 1, err


def test_user_error_in_chinese_from_the_environment(cli, wh_path):
    code, _, err = cli("load", "sell_in", INGEST / "empty.csv", "--warehouse", wh_path, lang="zh_CN.UTF-8")

    assert code == 2
    assert "empty.csv: 文件是空的" in err


def test_user_error_in_chinese_with_lang_option(cli, wh_path):
    code, _, err = cli("load", "sell_in", INGEST / "empty.csv", "--warehouse", wh_path, "--lang", "zh")

    assert code == 2
    assert "文件是空的" in err


@pytest.mark.parametrize("args", [["load", "sell_in"], ["status", "--bogus"]])
def test_usage_error_exits_2_with_a_usage_message(cli, wh_path, args):
    code, _, err = cli(*args)

    assert code == 2
    assert "ModuleNotFoundError" not in err and ("Missing" in err or "No such option" in err)


def test_installed_command_exits_2_without_traceback(tmp_path):
    proc = subprocess.run(
        [
            str(CHAINSIGHT),
            "load",
            "sell_in",
            str(INGEST / "binary.csv"),
            "--warehouse",
            str(tmp_path / "w.duckdb"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "CHAINSIGHT_LANG": "en", "COLUMNS": "400"},
    )

    assert proc.returncode == 2
    assert "binary.csv" in proc.stderr and "binary file" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


# --------------------------------------------------------------------------- rejects
def test_rejects_json_and_csv(cli, wh_path, tmp_path):
    cli("load", "products", INGEST / "products_rejects.csv", "--warehouse", wh_path)
    out_csv = tmp_path / "rejects.csv"

    code, out, _ = cli("rejects", "products", "--json", "--csv", out_csv, "--warehouse", wh_path)

    assert code == 0
    records = json.loads(out)
    assert len(records) == 13
    assert {
        "entity",
        "file",
        "row_number",
        "column",
        "raw_value",
        "reason_code",
        "reason_zh",
        "reason_en",
    } <= set(records[0])
    assert {(r["row_number"], r["reason_code"]) for r in records} >= {
        (5, "bad_number"),
        (10, "duplicate_key"),
    }
    # UTF-8 with a byte-order mark, so Excel opens the Chinese reasons correctly.
    assert out_csv.read_bytes().startswith(b"\xef\xbb\xbf")
    with out_csv.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 13 and any(r["reason_zh"].startswith("“三块五” 不是数字") for r in rows)


def test_rejects_table_shows_reasons(cli, wh_path):
    cli("load", "targets", INGEST / "targets_bad_month.csv", "--warehouse", wh_path)

    code, out, _ = cli("rejects", "targets", "--warehouse", wh_path)

    assert code == 0
    assert "rejects (5)" in out  # 2 rows: 2 unknown regions, 2 unknown channels, 1 bad month
    assert "2025-13" in out and "targets" in out


def test_rejects_retry_json(cli, wh_path):
    load_master(cli, wh_path, "regions", "channels")
    cli("load", "customers", INGEST / "customers_late.csv", "--warehouse", wh_path)
    cli(
        "load", "stores", INGEST / "master" / "stores.csv", "--warehouse", wh_path
    )  # customers C001/C002 missing
    load_master(cli, wh_path, "customers")

    code, out, _ = cli("rejects", "retry", "stores", "--json", "--warehouse", wh_path)

    assert code == 0
    [result] = json.loads(out)
    assert list(result) == LOAD_KEYS
    assert (result["entity"], result["rows_read"], result["rows_loaded"], result["rows_rejected"]) == (
        "stores",
        3,
        3,
        0,
    )
    code, out, _ = cli("rejects", "--json", "--warehouse", wh_path)
    assert json.loads(out) == []


# --------------------------------------------------------------------------- status
def test_status_json_shape(cli, master_path):
    cli("load", "sell_in", INGEST / "sell_in_gbk.csv", "-m", INGEST / "sell_in_gbk.yaml", "-w", master_path)

    code, out, _ = cli("status", "--json", "--warehouse", master_path)

    assert code == 0
    data = json.loads(out)
    assert set(data) == {"warehouse", "entities", "domains"}
    assert [e["entity"] for e in data["entities"]] == list(LOAD_ORDER)
    by_name = {e["entity"]: e for e in data["entities"]}
    assert set(by_name["sell_in"]) == {
        "entity",
        "label_zh",
        "label_en",
        "rows",
        "date_from",
        "date_to",
        "last_load",
        "open_rejects",
    }
    assert by_name["sell_in"]["rows"] == 3
    # (Dates come back as ISO date-times today, e.g. 2024-03-01T00:00:00.)
    assert (by_name["sell_in"]["date_from"][:10], by_name["sell_in"]["date_to"][:10]) == (
        "2024-03-01",
        "2024-03-05",
    )
    assert by_name["sell_in"]["open_rejects"] == 1 and by_name["sell_in"]["last_load"]
    assert by_name["lines"]["rows"] == 0 and by_name["lines"]["last_load"] is None
    assert set(data["domains"]) == set(DOMAINS)
    for d in data["domains"].values():
        assert set(d) == {"label_zh", "label_en", "state", "missing"}
        assert d["state"] in {"ready", "partial", "empty"}
    assert data["domains"]["master_data"] == {
        **data["domains"]["master_data"],
        "state": "ready",
        "missing": [],
    }
    assert data["domains"]["sales"]["state"] == "partial" and data["domains"]["sales"]["missing"] == [
        "targets"
    ]
    assert data["domains"]["procurement"]["state"] == "empty"


def test_status_table(cli, wh_path):
    load_master(cli, wh_path, "regions")

    code, out, _ = cli("status", "--warehouse", wh_path)

    assert code == 0
    assert "regions" in out and "partial" in out


# --------------------------------------------------------------------------- the one error path
def _commands(cmd, path=()):
    """Every command and group of the click tree Typer builds, with its path."""
    yield path, cmd
    for name, sub in (getattr(cmd, "commands", None) or {}).items():
        yield from _commands(sub, (*path, name))


def test_every_command_takes_the_one_error_path() -> None:
    import typer

    from chainsight._cli._common import Command, Group
    from chainsight.cli import app

    tree = list(_commands(typer.main.get_command(app)))
    assert len(tree) > 50  # every group registered: demo, metrics, analysis, channels, planning, ...
    groups = {p[0] for p, _ in tree if p}
    assert {"demo", "metrics", "channels", "alerts", "rollups", "readiness", "users", "db"} <= groups
    assert {"expiry", "plan", "forecast", "report", "serve", "run", "explain"} <= groups
    wrong = [" ".join(p) or "chainsight" for p, c in tree if not isinstance(c, Command | Group)]
    assert not wrong, f"commands outside the one error path: {wrong}"


def test_a_bug_prints_a_traceback_asks_for_a_report_and_exits_70(cli, wh_path, monkeypatch):
    import chainsight.warehouse

    load_master(cli, wh_path, "regions")

    def broken(wh):
        raise RuntimeError("planted fault")

    monkeypatch.setattr(chainsight.warehouse, "warehouse_status", broken)
    code, _, err = cli("status", "--warehouse", wh_path)

    assert code == 70
    assert "Traceback" in err and "RuntimeError: planted fault" in err
    assert "This is a bug in Chainsight. Please report it" in " ".join(err.split())
    code, _, err = cli("status", "--warehouse", wh_path, lang="zh_CN.UTF-8")
    assert code == 70 and "这是 Chainsight 的缺陷，请连同上面的信息一起报告" in err


def test_an_access_error_is_one_line_and_exits_2(cli, wh_path, monkeypatch):
    import chainsight.warehouse
    from chainsight._errors import Forbidden

    load_master(cli, wh_path, "regions")

    def forbidden(wh):
        raise Forbidden("this role may not see the warehouse status")

    monkeypatch.setattr(chainsight.warehouse, "warehouse_status", forbidden)
    code, out, err = cli("status", "--warehouse", wh_path)

    assert code == 2 and out == ""
    assert err.strip().splitlines() == ["✗ this role may not see the warehouse status"]


def test_another_chainsight_error_is_one_line_and_exits_1(cli, wh_path, monkeypatch):
    import chainsight.warehouse
    from chainsight._errors import WarehouseError

    load_master(cli, wh_path, "regions")

    def locked(wh):
        raise WarehouseError("cannot open warehouse w.duckdb: locked by another process")

    monkeypatch.setattr(chainsight.warehouse, "warehouse_status", locked)
    code, _, err = cli("status", "--warehouse", wh_path)

    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- Chinese tables
# ASCII words a Chinese header may hold: metric and product codes the reader types, and acronyms
# Chinese FMCG staff use as words
HEADER_ASCII_ALLOWED = {"SKU"}


def _headers(out: str) -> list[str]:
    """The header cells of every Rich table in ``out`` (the rows between ┏ and ┡)."""
    headers, inside = [], False
    for line in out.splitlines():
        if line.startswith("┏"):
            inside = True
        elif line.startswith("┡"):
            inside = False
        elif inside and line.startswith("┃"):
            headers += [cell.strip() for cell in line.strip("┃").split("┃") if cell.strip()]
    return headers


def _english_in(headers: list[str]) -> list[str]:
    import re

    return [h for h in headers if set(re.findall(r"[A-Za-z]+", h)) - HEADER_ASCII_ALLOWED]


@pytest.fixture
def wide(monkeypatch):
    from chainsight._cli._common import console, err_console

    # wide consoles: headers on one line whatever the terminal of the test run
    monkeypatch.setattr(console, "width", 250)
    monkeypatch.setattr(err_console, "width", 250)


def test_chinese_status_and_entities_tables_have_chinese_headers(cli, master_path, wide):
    """Was: entity / label_zh / rows … headers in the zh status table — a bug fixed by the present core."""
    code, out, _ = cli("status", "--warehouse", master_path, lang="zh")
    assert code == 0
    headers = _headers(out)
    assert headers == ["数据表", "名称", "行数", "最早日期", "最晚日期", "最近加载", "待处理拒绝行"]
    assert "就绪" in out and "部分就绪" in out and "ready" not in out and "partial" not in out

    code, out, _ = cli("entities", lang="zh")
    assert code == 0
    headers = _headers(out)
    assert headers and set(headers) == {"列", "类型", "规则", "说明"}
    assert "文本" in out and "string" not in out
    assert "online（线上）" in out  # allowed codes with their names


def test_chinese_metrics_list_has_chinese_headers_and_units(cli, wide):
    code, out, _ = cli("metrics", "list", lang="zh")
    assert code == 0
    assert _headers(out) == ["指标", "名称", "单位", "说明", "维度"]
    assert not _english_in(_headers(out))
    assert "│ 元 " in out and "│ cny " not in out  # units by name
    assert "线上/线下" in out and "channel_kind" not in out  # dimensions by name


def test_chinese_plan_tables_name_kpis_and_codes(cli, tmp_path, wide, monkeypatch):
    """Was: service_level_pct and False in the zh plan KPIs."""
    monkeypatch.syspath_prepend(str(Path(__file__).parent / "planning"))
    from planning_fixture import add_supply, build

    path = tmp_path / "plan.duckdb"
    add_supply(build(Warehouse.open(path))).close()

    code, out, err = cli(
        "plan", "--as-of", "2026-03-31", "--horizon", "4", "--no-store", "-w", path, lang="zh"
    )

    assert code == 0, err
    headers = _headers(out)
    assert not _english_in(headers), _english_in(headers)
    assert {"指标", "值", "类型", "物料", "供应商", "延迟", "条数"} <= set(headers)
    assert "服务水平" in out and "service_level_pct" not in out
    for raw in ("False", "True", "production", "purchase", "shortage"):
        assert f" {raw} " not in out, raw
    assert "│ 生产 " in out and " 否 " in out
    # the KPIs hold what the plan says, in the reader's format: service level 0–100 → a percentage
    code, js, _ = cli("scenario", "--as-of", "2026-03-31", "--horizon", "4", "-w", path, "--json")
    kpis = {k["kpi"]: k["base"] for k in json.loads(js)["kpis"]}
    assert f"{kpis['service_level_pct']:.1f}%" in out
