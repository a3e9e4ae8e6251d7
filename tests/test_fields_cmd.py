"""`policylab fields`: the record a run reads, built-in and declared, in four formats, escaped per layer."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

from compare.data.record_table import field_rows, render_markdown
from dsl.record import CORE
from dsl.schema import FIELDS, LABELS

POLICY = """policy city_a {
  city city_a "甲市"
  source "src.txt"
}
field new_jobs "新增就业人数" { type count 人  default 0人  en "new employees" }
field rent_area "租赁面积" { type area 平方米  default 0平方米 }
field zone "所在区域" { type choice { key_area "重点区域", ordinary "一般区域" }  default ordinary }
field landed_on "落地日期" { type date }
field evil "=HYPERLINK(\\"http://x\\")|<b>" { type bool  default false }
category little_giant "专精特新“小巨人”企业" { en "little giant" }
clause c "奖励" { concept reward.fdi  cite "第一条" "奖励1元"  value 1元 }
"""


def _policy(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "src.txt").write_text("第一条 奖励1元。\n", encoding="utf-8")
    (folder / "city_a.policy").write_text(POLICY, encoding="utf-8")
    return folder / "city_a.policy"


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "compare.cli", "fields", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_every_core_field_has_both_labels() -> None:
    assert set(LABELS) == set(FIELDS)
    assert all(zh and en for zh, en in LABELS.values())


def test_core_record_without_policies() -> None:
    r = _cli("--format", "json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [x["name"] for x in rows] == list(FIELDS)
    by = {x["name"]: x for x in rows}
    assert by["registered_capital"]["zh"] == "注册资本" and by["registered_capital"]["en"] == "registered capital"
    assert by["id"]["default"] == "required" and by["foreign"]["default"] == "false"
    assert [v["value"] for v in by["referral"]["values"]] == ["none", "municipal_dept", "other_district", "intermediary"]
    assert all(x["declared_by"] == "core" for x in rows)


def test_declared_fields_of_a_policy_file(tmp_path: Path) -> None:
    r = _cli(_policy(tmp_path / "a"), "--format", "json")
    assert r.returncode == 0, r.stderr
    by = {x["name"]: x for x in json.loads(r.stdout)}
    assert by["new_jobs"] == {"name": "new_jobs", "type": "count", "unit": "人", "default": "0人", "zh": "新增就业人数",
                              "en": "new employees", "declared_by": "city_a", "values": []}
    assert by["rent_area"]["default"] == "0平方米" and by["rent_area"]["unit"] == "平方米"
    assert by["landed_on"]["default"] == "required"
    assert [(v["value"], v["zh"]) for v in by["zone"]["values"]] == [("key_area", "重点区域"), ("ordinary", "一般区域")]
    little = by["categories"]["values"][-1]
    assert little == {"value": "little_giant", "zh": "专精特新“小巨人”企业", "en": "little giant", "declared_by": "city_a"}


def test_a_folder_and_the_table(tmp_path: Path) -> None:
    _policy(tmp_path / "a")
    r = _cli(tmp_path / "a")
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("landed_on"))
    assert line.split() == ["landed_on", "date", "required", "落地日期", "city_a"]


def test_a_policy_id_along_the_search_path() -> None:
    r = _cli("wuxi_2023", "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert next(csv.reader(io.StringIO(r.stdout))) == ["name", "type", "unit", "default", "zh", "en", "declared_by",
                                                        "values"]


def test_csv_cells_are_never_formulas(tmp_path: Path) -> None:
    r = _cli(_policy(tmp_path / "a"), "--format", "csv")
    row = next(x for x in csv.reader(io.StringIO(r.stdout)) if x[0] == "evil")
    assert row[4] == "'=HYPERLINK(\"http://x\")|<b>"


def test_markdown_cells_are_never_markup(tmp_path: Path) -> None:
    r = _cli(_policy(tmp_path / "a"), "--format", "markdown")
    row = next(x for x in r.stdout.splitlines() if x.startswith("| evil"))
    assert "\\|&lt;b&gt;" in row and row.count(" | ") == 7  # the label's `|` does not split the cell
    assert render_markdown(field_rows(CORE)).splitlines()[1] == "|" + "---|" * 8


def test_unknown_policy_is_a_usage_error() -> None:
    r = _cli("no_such_policy_anywhere")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_a_field_a_taxonomy_file_declares(tmp_path: Path) -> None:
    """Declared by a taxonomy file beside the policy: the file is named as the declarer."""
    tax = tmp_path / "taxonomy"
    tax.mkdir()
    (tax / "core.yaml").write_text((ROOT / "policies" / "taxonomy" / "core.yaml").read_text(encoding="utf-8"),
                                   encoding="utf-8")
    (tax / "city.yaml").write_text("fields:\n  rent_area: {zh: 租赁面积, en: rented area, type: area, unit: 平方米, "
                                   "default: 0平方米}\n", encoding="utf-8")
    (tmp_path / "s.txt").write_text("x\n", encoding="utf-8")
    (tmp_path / "p.policy").write_text('policy p {\n  city p "p"\n  source "s.txt"\n}\n', encoding="utf-8")
    r = _cli(tmp_path / "p.policy", "--format", "json")
    assert r.returncode == 0, r.stderr
    row = json.loads(r.stdout)[-1]
    assert (row["name"], row["en"], row["default"]) == ("rent_area", "rented area", "0平方米")
    assert Path(row["declared_by"]).name == "city.yaml"
