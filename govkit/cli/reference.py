"""The CLI reference (docs/cli.md), generated from the commands' own --help.

    python -m govkit.cli.reference --write [docs/cli.md]   # regenerate
    python -m govkit.cli.reference --check [docs/cli.md]   # exit 1 when out of date

tests/test_docs.py runs the check, so a command without help text or missing
from the reference fails the suite.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click

from govkit.atomic import atomic_write_text
from govkit.cli import cli

DEFAULT_PATH = Path("docs/cli.md")
START = "<!-- cli-reference:start -->"
END = "<!-- cli-reference:end -->"


def iter_commands(
    command: click.Command, path: tuple[str, ...] = ("govkit",)
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command and group, depth first, in name order."""
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command, info_name=path[-1])
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from iter_commands(sub, (*path, name))


def help_text(path: tuple[str, ...], command: click.Command) -> str:
    """What `govkit … --help` prints for this command, at a fixed width."""
    parent: click.Context | None = None
    # The root's context_settings (-h as well as --help) reach every subcommand,
    # as they do when govkit runs; click caches a command's help option, so a
    # context without them would give different text after a CliRunner test.
    settings = dict(cli.context_settings)
    for i, name in enumerate(path[:-1]):
        parent = click.Context(
            cli if i == 0 else click.Command(name), info_name=name, parent=parent, **settings
        )
    ctx = click.Context(
        command,
        info_name=path[-1],
        parent=parent,
        terminal_width=100,
        max_content_width=100,
        **settings,
    )
    return command.get_help(ctx)


def generate_reference() -> str:
    """The Markdown reference: one heading and one --help block per command."""
    parts = [START, ""]
    for path, command in iter_commands(cli):
        parts += [
            f"## `{' '.join(path)}`",
            "",
            "```text",
            help_text(path, command).rstrip(),
            "```",
            "",
        ]
    parts.append(END)
    return "\n".join(parts)


def missing_help() -> list[str]:
    """Commands whose help text is empty."""
    return [" ".join(p) for p, c in iter_commands(cli) if not (c.help or c.short_help)]


def splice(document: str, reference: str) -> str | None:
    """The document with its reference block replaced; None when it has no block."""
    if START not in document or END not in document:
        return None
    head, rest = document.split(START, 1)
    tail = rest.split(END, 1)[1]
    return head + reference + tail


def main(argv: list[str]) -> int:
    """--write [docs/cli.md] | --check [docs/cli.md]."""
    if len(argv) not in (1, 2) or argv[0] not in ("--write", "--check"):
        print(__doc__)
        return 2
    path = Path(argv[1]) if len(argv) == 2 else DEFAULT_PATH
    try:
        current = path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"{path}: cannot read: {exc.strerror}; the CLI reference lives in {DEFAULT_PATH}")
        return 2
    wanted = splice(current, generate_reference())
    if wanted is None:
        # README.md held the reference until it moved to docs/; never append 1,400 lines to it.
        print(
            f"{path}: no {START} ... {END} block; the CLI reference lives in {DEFAULT_PATH}: "
            f"python -m govkit.cli.reference --write {DEFAULT_PATH}"
        )
        return 2
    if argv[0] == "--write":
        atomic_write_text(path, wanted)
        return 0
    if current != wanted:
        print(
            f"{path}: CLI reference is out of date; run python -m govkit.cli.reference --write {path}"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
