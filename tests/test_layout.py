"""The layout shows the pipeline: imports point down it only, and no module outgrows one reader.

Every `import` counts, including those inside functions (the CLI imports stages lazily) and
under TYPE_CHECKING: a lazy import up the pipeline is still a dependency up it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

# Lowest first.  A module may import its own layer or any layer before it.
LAYERS: list[tuple[str, ...]] = [
    # dsl/: the language, text -> checked model
    ("dsl.textsafe", "dsl.files", "dsl.cache_folder"), ("dsl.paths",), ("dsl.units",), ("dsl.ast", "dsl.ast_file", "dsl.ast_record", "dsl.ast_time"), ("dsl.walk",), ("dsl.diagnostics",), ("dsl.schema",), ("dsl.record",), ("dsl.taxonomy",),
    ("dsl.model",), ("dsl.figures",), ("dsl.lark_parser",), ("dsl.syntax_errors",), ("dsl.transform_rules",), ("dsl.transform_record", "dsl.transform_time"), ("dsl.transform",),
    ("dsl.parse",), ("dsl.load",), ("dsl.timeline",), ("dsl.check",), ("dsl.cache",), ("dsl.in_force",), ("dsl.format_comments",), ("dsl.format_expr",), ("dsl.format",),
    ("dsl.highlight_rules",), ("dsl.highlight", "dsl.textmate"),
    # compare/: the stages after the language, then the API and the command line
    ("compare.engine",), ("compare.data",), ("compare.testing",), ("compare.publish",),
    ("compare.diff", "compare.simulate", "compare.site", "compare.history", "compare.encode", "compare.lsp"),
    ("compare.api", "compare.api_time"), ("compare.cli",),
]
MAX_LINES = 430  # "about 400": one reader holds a module in mind


def _layer(module: str) -> int | None:
    for i, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return i
    return None


def _modules() -> list[tuple[str, Path]]:
    out = []
    for pkg in ("dsl", "compare"):
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            out.append((".".join(parts), path))
    return out


def _imports(path: Path, module: str) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the package
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((name, node.lineno))
            # `from compare.cli import language` imports the submodule compare.cli.language
            found += [(f"{name}.{a.name}", node.lineno) for a in node.names if a.name != "*"]
    return [(n, line) for n, line in found if n.split(".")[0] in ("dsl", "compare")]


def test_every_module_has_a_layer() -> None:
    missing = [m for m, _ in _modules() if m not in ("dsl", "compare") and _layer(m) is None]
    assert missing == [], f"add these modules to LAYERS in tests/test_layout.py: {missing}"


def test_imports_point_down_the_pipeline() -> None:
    upward = []
    for module, path in _modules():
        own = _layer(module)
        if own is None:
            continue
        for target, line in _imports(path, module):
            layer = _layer(target)
            if layer is not None and layer > own:
                upward.append(f"{path.relative_to(ROOT)}:{line}: {module} imports {target}")
    assert upward == []


def test_the_layer_test_sees_an_upward_import(tmp_path: Path) -> None:
    """The check above is not vacuous: an engine module importing the CLI is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from compare.cli.common import app\n", encoding="utf-8")
    targets = _imports(bad, "compare.engine.bad")
    assert ("compare.cli.common", 2) in targets
    assert _layer("compare.cli.common") > _layer("compare.engine.bad")  # type: ignore[operator]


@pytest.mark.parametrize("module,path", _modules(), ids=[m for m, _ in _modules()])
def test_module_size(module: str, path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines; split it by job"


def test_stage_packages_say_what_they_take_and_give() -> None:
    for pkg in ("compare", "compare/engine", "compare/data", "compare/testing", "compare/cli", "dsl/check"):
        doc = ast.get_docstring(ast.parse((ROOT / pkg / "__init__.py").read_text(encoding="utf-8")))
        assert doc and len(doc.split()) >= 15, f"{pkg}/__init__.py needs a docstring: what the stage takes and gives"
