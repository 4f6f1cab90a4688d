"""Mapping files: how source headers map onto an entity; a wrong mapping names file and field."""

from __future__ import annotations

import pytest

from chainsight import DefinitionError
from chainsight._errors import MissingColumnsError
from chainsight.ingest import Mapping, load_files, normalise_header
from chainsight.model import get_entity

SELL_IN = get_entity("sell_in")


def test_fixture_mapping_reads_chinese_headers(ingest_dir):
    mapping = Mapping.from_yaml(ingest_dir / "sell_in_gbk.yaml")

    assert mapping.columns["doc_id"] == "单据编号" and mapping.columns["site_id"] == "发货仓库"
    assert mapping.source == str(ingest_dir / "sell_in_gbk.yaml")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("columns: [a, b]\n", "columns"),
        ("colums: {sku: 物料}\n", "colums"),
        ("header_row: 0\n", "header_row"),
        ("header_row: '3'\n", "header_row"),
        ("sheet: [1]\n", "sheet"),
        ('formats: {date: "%Y\'; DROP TABLE x"}\n', "formats.date"),
        ("- just\n- a list\n", "(root)"),
    ],
)
def test_bad_mapping_names_file_and_field(tmp_path, text, field):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(DefinitionError) as info:
        Mapping.from_yaml(path)

    assert "bad.yaml" in info.value.message("en") and field in info.value.message("en")
    assert "bad.yaml" in info.value.message("zh") and field in info.value.message("zh")


def test_mapping_that_is_not_yaml_or_missing(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("columns: {sku: [\n", encoding="utf-8")

    with pytest.raises(DefinitionError, match=r"broken\.yaml.*not valid YAML"):
        Mapping.from_yaml(broken)
    with pytest.raises(DefinitionError, match=r"nope\.yaml.*does not exist"):
        Mapping.from_yaml(tmp_path / "nope.yaml")


@pytest.mark.parametrize("section", ["columns", "formats", "constants"])
def test_mapping_naming_a_column_the_entity_lacks(section):
    mapping = Mapping.from_dict(
        {section: {"quantity": "%Y" if section == "formats" else "数量"}}, source="m.yaml"
    )

    with pytest.raises(DefinitionError) as info:
        mapping.validate_for(SELL_IN)

    message = info.value.message("en")
    assert f"{section}.quantity" in message and "m.yaml" in message and "qty" in message


@pytest.mark.parametrize("header", ["Doc ID", "doc-id", "DOC_ID", " doc_id ", "\ufeffdoc_id", "docid"])
def test_canonical_headers_match_ignoring_case_spaces_and_underscores(header):
    assert normalise_header(header) == normalise_header("doc_id")


def test_missing_mapped_and_required_columns_are_all_listed():
    mapping = Mapping(columns={"qty": "数量"})
    headers = ["doc_id", "line_no", "date", "customer_id", "sku", "gross_amount"]

    with pytest.raises(MissingColumnsError) as info:
        mapping.resolve(SELL_IN, headers, "出库.csv")

    message = info.value.message("en")
    assert message.startswith("出库.csv: missing required columns:")
    assert "qty ← “数量”" in message and "net_amount" in message and "gross_amount" in message
    assert info.value.context["missing"] == ["qty ← “数量”", "net_amount"]


def test_constants_count_as_present_columns():
    mapping = Mapping(constants={"qty": "1", "net_amount": "0"})
    headers = ["doc_id", "line_no", "date", "customer_id", "sku", "gross_amount"]

    resolved = mapping.resolve(SELL_IN, headers, "出库.csv")

    assert "qty" not in resolved and resolved["gross_amount"] == "gross_amount"


def test_mapped_header_matches_loosely(master, tmp_path, query):
    path = tmp_path / "so.csv"
    path.write_text("Sales Date,Store Code,SKU,Qty,Amount\n2024-03-01,S001,SKU001,1,3.5\n", encoding="utf-8")
    mapping = Mapping(columns={"date": "sales_date", "store_id": "store code"})

    result = load_files(master, "sell_out", [path], mapping=mapping)

    assert result.rows_loaded == 1
    assert query(master, "SELECT store_id, qty FROM sell_out") == [("S001", 1.0)]


def test_explicit_encoding_and_delimiter(master, tmp_path, query):
    path = tmp_path / "so.txt"
    path.write_bytes("日期|门店|商品|数量|金额\n2024-03-01|S001|SKU001|2|7\n".encode("gbk"))
    mapping = Mapping.from_dict(
        {
            "columns": {"date": "日期", "store_id": "门店", "sku": "商品", "qty": "数量", "amount": "金额"},
            "encoding": "gbk",
            "delimiter": "|",
        }
    )

    result = load_files(master, "sell_out", [path], mapping=mapping)

    assert result.rows_loaded == 1
    assert query(master, "SELECT qty, amount FROM sell_out") == [(2.0, 7.0)]
