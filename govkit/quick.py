"""The entry point: `decision list` and `decision show` without Click, the rest through it.

Importing Click costs more than listing 200 decisions from a warm parse cache, so the
plain forms of these two read commands are recognised here (see `_parse`) and printed
with the text the Click commands print (govkit.textout). Anything else goes to the Click
command line, and so does every form this path fails on (an unknown option, no workspace,
a broken file, text that Click would print differently): nothing has been printed then,
and the Click command does the work again and reports it as always.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_ROOT_OPTIONS = ("-C", "--workspace")
_VALUED = {"list": ("--status", "--owner"), "show": ()}


def _parse(argv: list[str]) -> tuple[Path | None, str, dict[str, str], bool] | None:
    """(workspace dir, command, options, --json) of a plain `decision list|show`, else None."""
    workspace: Path | None = None
    args = list(argv)
    if args and (args[0] in _ROOT_OPTIONS or args[0].startswith("--workspace=")):
        head = args.pop(0)
        value = head.partition("=")[2] if "=" in head else (args.pop(0) if args else "")
        if not value or value.startswith("-") or os.path.isfile(value):
            return None  # Click reports a missing value or a file given as DIR
        workspace = Path(value)
    if len(args) < 2 or args[0] != "decision" or args[1] not in _VALUED:
        return None
    command, rest = args[1], args[2:]
    options: dict[str, str] = {}
    as_json = False
    while rest:
        token = rest.pop(0)
        name, eq, value = token.partition("=")
        if token == "--json" and not as_json:
            as_json = True
        elif name in _VALUED[command] and name not in options:
            if not eq:
                value = rest.pop(0) if rest else "-"
            if value.startswith("-"):
                return None
            options[name] = value
        elif command == "show" and "ref" not in options and token and not token.startswith("-"):
            options["ref"] = token
        else:
            return None  # --help, an unknown or repeated option, an extra argument
    if command == "show" and "ref" not in options:
        return None
    return workspace, command, options, as_json


def _text(workspace: Path | None, command: str, options: dict[str, str], as_json: bool) -> str:
    from govkit import decisions
    from govkit.textout import decision_list_text, decision_show_text
    from govkit.workspace import find_workspace, open_workspace

    ws = open_workspace(workspace) if workspace is not None else find_workspace()
    if command == "show":
        return decision_show_text(ws, decisions.find_decision(ws, options["ref"]), as_json)
    status = options.get("--status")
    if status is not None and status not in decisions.STATUSES:
        raise ValueError(status)  # Click names the choices
    return decision_list_text(ws, status, options.get("--owner"), as_json)


def run(argv: list[str]) -> int | None:
    """The exit code of a command done here, or None when the Click command line must run it."""
    out = sys.stdout
    if out is None or (out.encoding or "").lower().replace("-", "") != "utf8":
        return None  # Click picks its own encoding for such a stream
    parsed = _parse(argv)
    if parsed is None:
        return None
    try:
        text = _text(*parsed)
    except Exception:  # every error is reported by the Click command, run afresh
        return None
    if "\x1b" in text:
        return None  # Click strips terminal escapes from what goes to a pipe
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        # As Click does: exit 1, and no second complaint when the interpreter flushes.
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        return 1
    return 0


def main() -> None:
    """Console-script and `python -m govkit` entry point."""
    code = run(sys.argv[1:])
    if code is None:
        from govkit.cli import main as cli_main

        cli_main()
        return
    raise SystemExit(code)
