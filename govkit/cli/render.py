"""govkit render status."""

from __future__ import annotations

from pathlib import Path

import click

from govkit.cli import AppContext
from govkit.cli.options import as_of_option, check_option, output_option
from govkit.cli.output import emit_json, json_option
from govkit.errors import EXIT_FINDINGS, EXIT_OK


@click.group()
def render() -> None:
    """Render Markdown from records and evidence (never edit the output by hand)."""


@render.command()
@output_option("Where to write (default: STATUS.md at the workspace root).")
@check_option
@as_of_option("The 'Last updated' date to show (default: the latest change in the data).")
@json_option
@click.pass_obj
def status(
    obj: AppContext, output: Path | None, check: bool, as_of: str | None, as_json: bool
) -> int:
    """Render the status tracker (STATUS.md).

    Every claim links its evidence record relatively; the same data always
    gives the same bytes. With --check, exit 0 when the file is current and
    1 (printing a unified diff) when it is stale.
    """
    from govkit.render.sources import load_sources
    from govkit.render.status import check_file, render_status, write_if_changed

    ws = obj.workspace()
    path = (output or ws.root / "STATUS.md").absolute()
    text = render_status(load_sources(ws), path, as_of=as_of)
    if check:
        result = check_file(path, text)
        if as_json:
            emit_json({"path": str(path), "current": result.current, "diff": result.diff})
        elif not result.current:
            click.echo(result.diff, nl=False)
            click.echo(
                f"{path}: stale (+{result.added} -{result.removed} lines); run `govkit render status`",
                err=True,
            )
        if not result.current:
            return EXIT_FINDINGS
        return EXIT_OK
    ws.check_output(path)
    with ws.lock():
        written = write_if_changed(path, text)
    if as_json:
        emit_json({"path": str(path), "written": written})
    else:
        click.echo(f"{'wrote' if written else 'unchanged:'} {path}")
    return EXIT_OK
