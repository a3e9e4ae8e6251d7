"""Command-line values converted as typer converts them, without importing pydantic.

Recent typer converts every value a command receives (a path, a choice, a string) through a pydantic
TypeAdapter it builds as the command runs: importing pydantic and building those adapters was most of
a short command's time (`policylab check` spent more on it than on checking).  For the values policylab's
commands take — strings, paths, choices of a StrEnum and lists of them, with typer's default options —
what typer gives is plain: the string, `Path(value)`, the enum member.  This gives it directly, and hands
everything else to typer's own conversion: a value of another kind, one it is not sure of (a string
that is not valid UTF-8), and every error, so that what a user sees is typer's, byte for byte.
A typer whose parameters have no such conversion (older releases convert with click's types) is left as
it is.  tests/test_startup.py checks the two agree on every parameter of every command.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

_UNSURE: Any = object()  # what a plain conversion returns for a value it leaves to typer
Leaf = Callable[[Any, Any], Any]


def convert_plainly(command: Any) -> None:
    """Give each parameter of `command` (and of its subcommands) the plain conversion where it applies:
    its own and the --help option, which click makes when the command line is parsed."""
    if getattr(command, "_converted_plainly", False):
        return
    command._converted_plainly = True
    for param in getattr(command, "params", ()):
        _convert(param)
    make_help_option = getattr(command, "get_help_option", None)
    if make_help_option is not None:
        def get_help_option(ctx: Any) -> Any:
            option = make_help_option(ctx)
            if option is not None:
                _convert(option)
            return option

        command.get_help_option = get_help_option
    for sub in getattr(command, "commands", {}).values():
        convert_plainly(sub)


def _convert(param: Any) -> None:
    if getattr(param, "_runtime_param", _UNSURE) is None and hasattr(param, "type_descriptor"):
        plain = plain_conversion(param.type_descriptor)
        if plain is not None:
            param._runtime_param = plain


def plain_conversion(descriptor: Any) -> PlainConversion | None:
    """The plain conversion of a parameter typer describes by `descriptor`, or None where typer's own
    options (a parser, path checks, case folding, a file to open, a number's bounds) are at work."""
    if getattr(descriptor, "file_annotation", None) is not None:
        return None
    info = descriptor.parameter_info
    annotation = descriptor.annotation
    is_list = get_origin(annotation) is list
    if is_list:
        (annotation,) = get_args(annotation)
    leaf = _leaf(annotation, info)
    return PlainConversion(leaf, is_list) if leaf is not None else None


def _leaf(annotation: Any, info: Any) -> Leaf | None:
    if getattr(info, "parser", None) is not None:
        return None
    if annotation is str:
        return _as_str
    if annotation is bool:  # typer takes a flag's True or False as it is; no value is None
        return _as_typer_does
    if annotation is Path and _default_path_options(info):
        return _as_path
    if isinstance(annotation, type) and issubclass(annotation, Enum) and getattr(info, "case_sensitive", False) is True:
        return _choice_of(tuple(annotation))
    return None


def _default_path_options(info: Any) -> bool:
    wanted = {"exists": False, "file_okay": True, "dir_okay": True, "writable": False, "readable": True,
              "resolve_path": False, "allow_dash": False, "path_type": None}
    return all(getattr(info, name, not value) == value for name, value in wanted.items())


class PlainConversion:
    """Typer's RuntimeParam contract (`coerce(value, param, ctx)`) for one parameter."""

    def __init__(self, leaf: Leaf, is_list: bool) -> None:
        self.leaf, self.is_list = leaf, is_list

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        multi = param.multiple or param.nargs == -1
        if value is None:  # as typer: no value is None, or () for a list
            return () if multi else None
        if multi and isinstance(value, str):
            return _typers_own(value, param, ctx)
        if self.is_list:
            items = value if isinstance(value, (list, tuple)) else [value]
            out = [self.leaf(item, ctx) for item in items]
            return _typers_own(value, param, ctx) if any(v is _UNSURE for v in out) else out
        got = self.leaf(value, ctx)
        return _typers_own(value, param, ctx) if got is _UNSURE else got


def _typers_own(value: Any, param: Any, ctx: Any) -> Any:
    """Typer's conversion of `value` (built now, and kept by the parameter for its later values)."""
    param._runtime_param = None
    return param.get_runtime_param().coerce(value, param=param, ctx=ctx)


def _plain_text(value: Any) -> bool:
    if type(value) is not str or "\x00" in value:
        return False
    try:
        value.encode("utf-8")  # a lone surrogate (undecodable bytes in argv) is typer's to judge
    except UnicodeEncodeError:
        return False
    return True


def _as_typer_does(value: Any, ctx: Any) -> Any:
    return _UNSURE


def _as_str(value: Any, ctx: Any) -> Any:
    return value if _plain_text(value) else _UNSURE


def _as_path(value: Any, ctx: Any) -> Any:
    """Typer's path conversion with its default options: `Path(value)`, refused only when the path
    exists and cannot be read (that refusal, with its message, is typer's)."""
    if isinstance(value, Path):
        path = value
    elif _plain_text(value) and value != "":
        path = Path(value)
    else:
        return _UNSURE
    try:
        os.stat(path)
    except OSError:
        return path
    except ValueError:
        return _UNSURE
    return path if os.access(path, os.R_OK) else _UNSURE


def _choice_of(choices: tuple[Enum, ...]) -> Leaf:
    by_text: dict[str, Enum] = {}
    for c in choices:
        by_text.setdefault(str(c.value), c)

    def as_choice(value: Any, ctx: Any) -> Any:
        if any(value is c for c in choices):
            return value
        if getattr(ctx, "token_normalize_func", None) is not None or not _plain_text(value):
            return _UNSURE
        return by_text.get(value, _UNSURE)  # not a choice: typer's message names them

    return as_choice
