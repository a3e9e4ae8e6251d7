from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from dsl import ast as A
from dsl.parse import parse_text
from dsl.taxonomy import Taxonomy, load_taxonomy

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / "policies"
SOURCES = POLICIES / "sources"

HEADER = 'policy t {\n  city t "测试"\n  source "sources/x.txt"\n}\n'


def pytest_configure(config: pytest.Config) -> None:
    """Tests never touch the user's cache of checked policies (dsl.cache): a private folder per session,
    set before any test module loads a policy (subprocesses inherit it)."""
    os.environ["POLICYLAB_CACHE_DIR"] = tempfile.mkdtemp(prefix="policylab-cache-")
    os.environ.pop("POLICYLAB_NO_CACHE", None)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(os.environ.pop("POLICYLAB_CACHE_DIR", ""), ignore_errors=True)


def parse_ok(text: str) -> A.PolicyFile:
    """Parse text that must be free of errors; fail the test with the diagnostics otherwise."""
    ast, diags = parse_text(text, "t.policy")
    errors = [d for d in diags if d.is_error]
    assert ast is not None and not errors, [f"{d.span.line}:{d.span.column} {d.code} {d.message}" for d in diags]
    return ast


def parse_items(body: str) -> tuple[A.Item, ...]:
    return parse_ok(HEADER + body).items


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of the test's own (dsl.cache), in use: POLICYLAB_CACHE_DIR points at it."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("POLICYLAB_CACHE_DIR", str(folder))
    monkeypatch.delenv("POLICYLAB_NO_CACHE", raising=False)
    return folder


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    tax, diags = load_taxonomy(POLICIES / "taxonomy")
    assert not [d for d in diags if d.is_error], diags
    return tax


def source(name: str) -> str:
    return (SOURCES / name).read_text(encoding="utf-8")
