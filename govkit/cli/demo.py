"""govkit demo: build a realistic program offline and run the whole job."""

from __future__ import annotations

import contextlib
import io
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from govkit.errors import EXIT_OK, GovkitError

if TYPE_CHECKING:
    from govkit.demo.script import Step


@click.command()
@click.argument("directory", type=click.Path(path_type=Path), default="govkit-demo")
@click.option("--force", is_flag=True, help="Rebuild DIR if an earlier demo made it.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the tour at the end.")
def demo(directory: Path, force: bool, quiet: bool) -> int:
    """Build a demo program in DIR (default ./govkit-demo) and run the main job.

    Three local git repos (a core library and a consumer with real pytest suites,
    a perf harness), a workspace with records and decisions, gates run through
    safe-run in clean clones, a promotion, a failing candidate, STATUS.md, the
    weekly packet, a handoff note, the site, and an audit. Offline; under a minute.
    """
    from govkit.demo.script import Section, Step, demo_steps, prepare_directory
    from govkit.demo.tour import tour

    started = time.monotonic()
    layout = prepare_directory(directory, force=force)
    say = (lambda *_a, **_k: None) if quiet else click.echo
    for item in demo_steps(layout, sys.executable):
        if isinstance(item, Section):
            say(
                click.style(f"\n== {item.title}", bold=True)
                + (f"\n{item.text}" if item.text else "")
            )
        elif isinstance(item, Step):
            _run_step(item, layout.workspace, layout.root, say, quiet)
    click.echo(tour(layout, time.monotonic() - started))
    return EXIT_OK


def _run_step(
    step: Step, workspace: Path, root: Path, say: Callable[..., None], quiet: bool
) -> None:
    from govkit.cli import cli

    argv = (["-C", str(workspace)] if step.in_workspace else []) + list(step.argv)
    shown = " ".join(shlex.quote(a) for a in step.argv).replace(str(root), "$DEMO")
    say(click.style(f"$ govkit {shown}", fg="cyan"))
    buffer = io.StringIO()
    capture = not step.show or quiet
    with contextlib.ExitStack() as stack:
        if capture:
            stack.enter_context(contextlib.redirect_stdout(buffer))
            stack.enter_context(contextlib.redirect_stderr(buffer))
        # Without standalone mode the root group's exit code is returned, not exited with.
        code = cli.main(argv, prog_name="govkit", standalone_mode=False)
    code = 0 if code is None else code
    if code != step.expect:
        raise GovkitError(
            f"demo step `govkit {shown}` exited {code}, expected {step.expect}",
            hint=buffer.getvalue().strip()[-2000:] or None,
        )
