"""A policy tree whose every user-supplied string is a payload, for the site's escaping tests (built
HTML and headless Chromium): the policy's title, document number, issuer, dates (issued, effective,
expires: as texts), note and city label;
every item's label, article, quote, note, option label and `because`; the labels of a declared field,
its values, a category, a choice value, a list (and its item) and a named condition; an unencoded sentence; the source
text; a taxonomy whose keys and labels (zh and en) hold payloads; a revision of the policy; and a
simulation folder whose name, plot name, notes and table cells (header included) do.

Each payload would set `window.pwned` (or open an alert) if it ran; `PAYLOADS` are the two texts
placed: one ending in an attribute list `{: … }` (read by `attr_list` at the end of a heading or
block), one whose second line starts with `#` and ends in `{#id .class onclick=…}`.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import yaml

_COMMON = ("甲《》（）、“”≥5% ~ [c](javascript:window.pwned=1) ![i](javascript:window.pwned=2) "
           "<javascript:window.pwned=3> <img src=x onerror=window.pwned=4> <script>window.pwned=5</script> "
           "</textarea> &lt;script&gt; {{ 7*7 }} {% raw %} `tick` a | b <!-- **bold** _u_ ")
PAYLOADS = (
    _COMMON + "{: onfocus=window.pwned=7 autofocus=1 tabindex=0 }",
    "# 乙 " + _COMMON + "\n# 丙 {: onmouseover=window.pwned=8 }\n" + _COMMON + "{#pwn .pwncls onclick=window.pwned=6}",
)
# a folder name: no `/`, at most 255 bytes
FOLDER = "模拟 [c](javascript:window.pwned=1) <img src=x onerror=window.pwned=4> {: onfocus=window.pwned=7 autofocus=1 }"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")


def _s(text: str) -> str:
    """A policy-language string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _policy(p: str, pid: str, extends: str | None = None) -> str:
    q = _s(p)
    head = f"policy {pid}" + (f" extends {extends}" if extends else "")
    if extends:
        return f"""{head} {{
  city evilcity {q}
  title {_s(p + " 修订")}
  issued 2025-01-01
  source "sources/evil.txt"
}}

override clause reward_a {q} {{
  concept reward.evil
  beneficiary firm
  cite {q} {_s(p + " 给予20万元")}
  when foreign
  value 20万元
}}
"""
    return f"""{head} {{
  city evilcity {q}
  title {q}
  docno {q}
  issuer {q}
  issued {q}
  effective {q}
  expires {q}
  status draft
  source "sources/evil.txt"
  note {q}
}}

reading edges {q} {{
  cite {q} {q}
  option lower {q}
  option upper {q}
  default lower
  because {q}
}}

clause reward_a {q} {{
  concept reward.evil
  beneficiary firm
  cite {q} {_s(p + " 给予10万元")}
  note {q}
  when foreign
  value 10万元
}}

clause reward_b {q} {{
  concept reward.evil_other
  cite {q} {_s(p + " 给予10万元")}
  cite {q} {_s(p + " 给予20万元")}
  when foreign
  value by reading edges {{
    lower: 10万元
    upper: 20万元
  }}
}}

field evil_zone {q} {{
  type choice {{ key_area {q}, ordinary {q} }}
  default ordinary
  en {q}
}}
category evil_category {q} {{ en {q} }}
choice referral evil_referrer {q}
list evil_list {q} = {{{q}}}
condition evil_condition {q} {{
  cite {q} {q}
  when foreign and evil_zone == key_area and industry not in evil_list
}}

clause reward_c {q} {{
  concept reward.evil_other
  cite {q} {_s(p + " 给予10万元")}
  cite {q} {_s(p + " 给予20万元")}
  when evil_condition and evil_category in categories and referral != evil_referrer
  value pick highest {{
    when in_core_zone -> 20万元
    otherwise -> 10万元
  }}
  payer city
}}

param evil.rate {q} = 2% {{
  cite {q} {_s(p + " 2%")}
}}

mechanism evil_mechanism {q} {{
  cite {q} {q}
  lead = {q}
}}

unencoded {q} {q} because {q}
"""


def _taxonomy(p: str) -> dict[str, object]:
    label = {"zh": p, "en": p}
    return {
        "beneficiaries": {"firm": label},
        "concepts": {
            "reward.evil": {"kind": "outcome", "unit": "CNY", "beneficiary": "firm", **label},
            "reward.evil_other": {"kind": "outcome", "unit": "CNY", "beneficiary": "firm", **label},
            "evil.rate": {"kind": "parameter", "unit": "ratio", **label},
            p: {"kind": "outcome", "unit": "CNY", "beneficiary": "firm", **label},
        },
        "mechanisms": {"evil_mechanism": label},
    }


def payload_tree(root: Path, p: str) -> tuple[Path, Path, Path]:
    """The policy, its revision and a simulation folder under `root`, every text holding payload `p`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "sources").mkdir(exist_ok=True)
    (root / "taxonomy").mkdir(exist_ok=True)
    source = "\n".join([p, p + " 给予10万元", p + " 给予20万元", p + " 2%", "第一条 其他条文。"]) + "\n"
    (root / "sources" / "evil.txt").write_text(source, encoding="utf-8")
    (root / "taxonomy" / "evil.yaml").write_text(yaml.safe_dump(_taxonomy(p), allow_unicode=True), encoding="utf-8")
    policy = root / "evil_2024.policy"
    policy.write_text(_policy(p, "evil_2024"), encoding="utf-8")
    revision = root / "evil_2025.policy"
    revision.write_text(_policy(p, "evil_2025", "evil_2024"), encoding="utf-8")
    sim = root / "sims" / FOLDER
    (sim / "plots").mkdir(parents=True)
    (sim / "plots" / (FOLDER[:40] + ".png")).write_bytes(PNG)
    (sim / "meta.json").write_text(json.dumps({"rate": p, "notes": [p]}, ensure_ascii=False), encoding="utf-8")
    cell = '"' + p.replace('"', '""') + '"'
    (sim / "totals.csv").write_text(f"line,{cell}\n{cell},1\n", encoding="utf-8")
    return policy, revision, sim
