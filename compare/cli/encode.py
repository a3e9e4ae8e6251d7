"""`policylab new`: a draft policy from a document's text (compare.encode)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from compare.cli.common import EXIT_USAGE, app, say_error


@app.command("new")
def new(
    city: Annotated[str, typer.Argument(help="the city's id, ASCII (suzhou): the draft is CITY_draft")],
    source: Annotated[Path, typer.Option("--source", help="the document's text (UTF-8, or GBK/GB18030)")],
    out: Annotated[Path | None, typer.Option("--out", help="the draft to write (default: CITY.policy here); "
                                                           "never over an existing file")] = None,
) -> None:
    """Write a draft policy from a document's text: its header, a cite per figure-bearing sentence by
    article, unencoded entries, and candidate clauses (draft_…) to confirm."""
    from compare.data.atomic import WriteError, write_atomically
    from compare.encode.draft import draft_policy
    from compare.encode.reading import SourceError, decode
    from compare.encode.similar import bundled_index

    if not re.fullmatch(r"[a-z][a-z0-9_]*", city):
        say_error("policylab new", f"`{city}` is not a city id: ids are ASCII, lower case, letters, digits and _",
                  "name the city by its pinyin (suzhou); its Chinese name goes in the header's label")
        raise typer.Exit(EXIT_USAGE)
    target = out if out is not None else Path(f"{city}.policy")
    if not target.parent.resolve().is_dir():
        say_error("policylab new", f"{target.parent}: no such folder", "create it first, or give another --out")
        raise typer.Exit(EXIT_USAGE)
    if target.exists() or target.is_symlink():
        say_error("policylab new", f"{target} already exists; it was left as it is",
                  "give another --out, or move the file away")
        raise typer.Exit(EXIT_USAGE)
    if not source.is_file():
        say_error("policylab new", f"{source}: no such file (a regular text file is read)",
                  "give the document's text with --source FILE")
        raise typer.Exit(EXIT_USAGE)
    try:
        raw = source.read_bytes()
        text = decode(raw, str(source))
    except OSError as e:
        say_error("policylab new", f"cannot read {source}: {e.strerror or e}", "check the file's permissions")
        raise typer.Exit(EXIT_USAGE) from None
    except SourceError as e:
        say_error("policylab new", str(e))
        raise typer.Exit(EXIT_USAGE) from None
    folder = target.parent.resolve()
    # the policy names its source relative to its own folder, and check reads UTF-8: a text elsewhere or
    # in another encoding is copied, as UTF-8, to sources/ beside the draft
    here = source.resolve()
    if here.is_relative_to(folder) and raw.decode("utf-8", "replace") == text:
        name = here.relative_to(folder).as_posix()
        copy: Path | None = None
    else:
        name = f"sources/{source.stem}.txt"
        copy = target.parent / name
        if copy.exists() and copy.read_bytes() != text.encode("utf-8"):
            say_error("policylab new", f"{copy} already exists with another text; it was left as it is",
                      "give another --out folder, or move that file away")
            raise typer.Exit(EXIT_USAGE)
    try:
        draft = draft_policy(city, name, text, bundled_index())
        if copy is not None and not copy.exists():
            copy.parent.mkdir(exist_ok=True)
            write_atomically(copy, text)
        write_atomically(target, draft)
    except WriteError as e:
        say_error("policylab new", e.message, e.hint)
        raise typer.Exit(EXIT_USAGE) from None
    typer.echo(f"wrote {target} (source {name}): check it with `policylab check {target}`", err=True)
