"""The VS Code extension (editors/vscode/) and the editors' page (docs/editors.md) agree with the
project: the language's files and comments are the lexer's, the grammar the extension names is the
generated one, and the client starts the command the package installs, with its `lsp` argument."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from typing import Any

import pytest
from conftest import ROOT

from dsl.highlight import PolicyLexer
from dsl.textmate import GRAMMAR_PATH, grammar

VSCODE = ROOT / "editors" / "vscode"


def manifest() -> dict[str, Any]:
    return json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))


def test_the_language_is_the_lexers() -> None:
    (language,) = manifest()["contributes"]["languages"]
    assert language["id"] == "policy" and language["id"] in PolicyLexer.aliases
    assert [f"*{e}" for e in language["extensions"]] == PolicyLexer.filenames == ["*.policy"]
    assert manifest()["activationEvents"] == ["onLanguage:policy"]


def test_the_extension_names_the_generated_grammar() -> None:
    (entry,) = manifest()["contributes"]["grammars"]
    assert entry["language"] == "policy"
    assert (VSCODE / entry["path"]).resolve() == GRAMMAR_PATH
    assert entry["scopeName"] == grammar()["scopeName"] == "source.policy"


def test_line_comments_are_the_lexers() -> None:
    config = json.loads((VSCODE / "language-configuration.json").read_text(encoding="utf-8"))
    mark = config["comments"]["lineComment"]
    tokens = list(PolicyLexer().get_tokens(f"{mark} a comment\n"))
    assert str(tokens[0][0]) == "Token.Comment.Single" and tokens[0][1] == f"{mark} a comment"
    # half-open tier edges `[1000万美元, 3000万美元)` would show as unmatched brackets
    assert config["brackets"] == [["{", "}"]]


def test_the_client_starts_the_installed_command_with_lsp() -> None:
    settings = manifest()["contributes"]["configuration"]["properties"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert settings["policylab.server.command"]["default"] in scripts
    assert settings["policylab.server.args"]["default"] == ["lsp"]
    source = (VSCODE / "extension.js").read_text(encoding="utf-8")
    assert 'config.get("server.command", "policylab")' in source  # the same defaults when unset
    assert 'config.get("server.args", ["lsp"])' in source
    assert manifest()["main"] == "./extension.js"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_client_is_valid_javascript() -> None:
    r = subprocess.run(["node", "--check", str(VSCODE / "extension.js")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_the_packaging_command_is_documented_alike() -> None:
    command = "npx @vscode/vsce package --skip-license --allow-missing-repository"
    docs = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    assert command in docs and command in (VSCODE / "README.md").read_text(encoding="utf-8")
    assert manifest()["scripts"]["package"] == command.removeprefix("npx @vscode/")
    version = manifest()["version"]
    assert f"{manifest()['name']}-{version}.vsix" in docs  # the file vsce writes: NAME-VERSION.vsix


def test_neovim_and_emacs_start_the_server() -> None:
    docs = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    assert len(re.findall(r'cmd = \{ "policylab", "lsp" \}', docs)) == 2  # vim.lsp.config and lspconfig
    assert '(policy-mode "policylab" "lsp")' in docs  # eglot-server-programs
    assert """(add-to-list 'auto-mode-alist '("\\\\.policy\\\\'" . policy-mode))""" in docs


def _smoke_test_can_run() -> bool:
    from compare.cli.app import COMMANDS

    return (shutil.which("node") is not None and (VSCODE / "node_modules" / "vscode-jsonrpc").is_dir()
            and "lsp" in COMMANDS and shutil.which("policylab") is not None)


@pytest.mark.skipif(not _smoke_test_can_run(),
                    reason="needs Node.js, `npm install` in editors/vscode, and the `policylab lsp` command")
def test_the_client_starts_the_server_and_receives_a_diagnostic() -> None:
    """extension.js activated outside VS Code (test/smoke.js): the server it starts answers and
    reports the `;` of `clause c { value ; }` (line 1, column 18: no policy holds a `;`)."""
    r = subprocess.run(["node", "test/smoke.js"], cwd=VSCODE, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "started: policylab lsp" in r.stdout
    assert re.search(r"^diagnostic 1:18 E\d+ ", r.stdout, flags=re.M), r.stdout
