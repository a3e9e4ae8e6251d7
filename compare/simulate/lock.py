"""`scenario.lock`: what a simulation's results depend on, so a rerun can be checked against them.

The scenario file's hash, each line's policy files and source texts (sha256), the seed, and the
versions of Python and the packages that compute or write the results.  No time stamp: the same
scenario and seed give a byte-identical lock, as they give byte-identical tables and plots.
"""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from compare.simulate.lines import Line
from compare.simulate.scenario import Scenario
from dsl.files import PROJECTS, FileRefusedError, read_checked

PACKAGES = ("policylab", "numpy", "pyarrow", "matplotlib", "lark", "pyyaml", "jsonschema")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def lock_data(sc: Scenario, lines: Sequence[Line]) -> dict[str, Any]:
    policies: dict[str, Any] = {}
    for ln in lines:
        chain: list[dict[str, str]] = []
        for info in ln.policy.files:
            entry = {"id": info.ast.header.id, "sha256": _sha(info.text.encode("utf-8"))}
            if info.source_text is not None and info.source_path is not None:
                entry["source"] = info.source_path.name
                entry["source_sha256"] = _sha(info.source_text.encode("utf-8"))
            chain.append(entry)
        policies[ln.name] = {"city": ln.city, "root": ln.root, "files": chain, "readings": dict(sorted(ln.readings.items()))}
    inputs: dict[str, str | None] = {}
    portfolio = sc.data["portfolio"]
    money = portfolio.get("sample", {}).get("money", {})
    files: list[str] = [portfolio["file"]] if "file" in portfolio else \
        [str(m["table"]) for m in money.values() if isinstance(m, dict) and isinstance(m.get("table"), str)]
    files += [r["overrides"] for r in sc.data.get("reforms", []) if "overrides" in r]
    files += [r["extends"] for r in sc.data.get("reforms", []) if "extends" in r]
    for rel in files:
        path = sc.folder / rel
        try:  # the file as the run read it: a regular file of bounded size (dsl.files)
            inputs[str(rel)] = _sha(read_checked(path, PROJECTS))
        except FileRefusedError:
            inputs[str(rel)] = None
    return {
        "lock_version": 1,
        "inputs": inputs,  # the files the scenario names (portfolio, tables, overrides, policies it extends)
        "scenario": {"name": sc.data["name"], "sha256": sc.sha256},
        "seed": sc.data.get("seed"),
        "policies": policies,
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
    }
