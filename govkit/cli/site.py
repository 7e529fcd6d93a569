"""govkit site."""

from __future__ import annotations

from pathlib import Path

import click

from govkit.cli import AppContext
from govkit.cli.options import as_of_option, output_option
from govkit.cli.output import emit_json, json_option
from govkit.errors import EXIT_OK


@click.command()
@output_option("Directory to write the site into (created).", directory=True, required=True)
@as_of_option("The status page's date.")
@json_option
@click.pass_obj
def site(obj: AppContext, output: Path, as_of: str | None, as_json: bool) -> int:
    """Write a static HTML site: status, gate pages with charts, decisions, runs.

    Self-contained (inline CSS and SVG, no script, no network); open
    DIR/index.html from disk. Gate pages chart the last 200 runs and link
    pages for the last 50.
    """
    from govkit.render.site import build_site
    from govkit.render.sources import load_sources

    result = build_site(load_sources(obj.workspace()), output, as_of=as_of)
    if as_json:
        emit_json(
            {
                "path": str(result.root),
                "pages": result.pages,
                "gates": result.gates,
                "runs": result.runs,
                "decisions": result.decisions,
            }
        )
    else:
        click.echo(
            f"wrote {result.pages} pages to {result.root} ({result.gates} gates, "
            f"{result.runs} runs, {result.decisions} decisions); open index.html"
        )
    return EXIT_OK
