"""govkit decision: MADR decision records with numbers assigned at acceptance."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from govkit import decisions as core
from govkit.cli import AppContext
from govkit.cli.output import json_option
from govkit.errors import EXIT_OK
from govkit.textout import decision_list_text, decision_show_text

if TYPE_CHECKING:
    from govkit.workspace import Workspace


def _done(obj: AppContext, verb: str, d: core.Decision) -> None:
    where = obj.workspace().rel(d.path) if d.path else ""
    click.echo(f"{verb} {d.id} [{d.status}] {d.title} ({where})")


@click.group()
def decision() -> None:
    """Decision records: proposed -> accepted -> superseded/deprecated, or rejected.

    REF is an id (D-017), a placeholder id (proposed-<slug>), a slug, or a
    unique prefix of a slug.
    """


@decision.command("new")
@click.argument("title")
@click.option("--context", default="", help="Why a decision is needed.")
@click.option("--decision", "decision_text", default="", help="What was decided.")
@click.option("--consequences", default="", help="What becomes easier or harder.")
@click.option("--deciders", multiple=True, help="Who decides (repeat, or a,b).")
@click.option("--tags", multiple=True, help="Tags (repeat, or a,b).")
@click.option("--slug", help="File-name slug (default: from the title).")
@click.pass_obj
def new(
    obj: AppContext,
    title: str,
    context: str,
    decision_text: str,
    consequences: str,
    deciders: tuple[str, ...],
    tags: tuple[str, ...],
    slug: str | None,
) -> int:
    """Propose a decision: decisions/proposed-<slug>.md, numbered when accepted."""
    from govkit.records.ops import split_list  # not at the top: list/show do without it

    d = core.new_decision(
        obj.workspace(),
        title,
        context=context,
        decision=decision_text,
        consequences=consequences,
        deciders=split_list(deciders),
        tags=split_list(tags),
        slug=slug,
    )
    _done(obj, "proposed", d)
    return EXIT_OK


@decision.command("accept")
@click.argument("ref")
@click.option("--id", "decision_id", help="Use this id (D-017) instead of the next free one.")
@click.pass_obj
def accept(obj: AppContext, ref: str, decision_id: str | None) -> int:
    """Accept a proposed decision: assign D-NNN, rename, rewrite references."""
    _done(obj, "accepted", core.accept_decision(obj.workspace(), ref, decision_id=decision_id))
    return EXIT_OK


def _move_command(
    name: str, verb: str, move: Callable[[Workspace, str], core.Decision], help_text: str
) -> None:
    """`decision NAME REF`: a lifecycle move with nothing to give but REF, reported by _done."""

    @decision.command(name, help=help_text)
    @click.argument("ref")
    @click.pass_obj
    def command(obj: AppContext, ref: str) -> int:
        _done(obj, verb, move(obj.workspace(), ref))
        return EXIT_OK


_move_command("reject", "rejected", core.reject_decision, "Reject a proposed decision.")
_move_command("deprecate", "deprecated", core.deprecate_decision, "Deprecate an accepted decision.")


@decision.command("supersede")
@click.argument("old")
@click.option("--by", "new", required=True, help="The accepted decision that replaces OLD.")
@click.pass_obj
def supersede(obj: AppContext, old: str, new: str) -> int:
    """Mark OLD superseded by an accepted decision (written on both sides)."""
    before, after = core.supersede_decision(obj.workspace(), old, new)
    click.echo(f"{before.id} superseded by {after.id}")
    return EXIT_OK


@decision.command("list")
@click.option("--status", type=click.Choice(core.STATUSES), help="Only decisions with this status.")
@click.option("--owner", default=None, help="Only decisions with this decider.")
@json_option
@click.pass_obj
def list_(obj: AppContext, status: str | None, owner: str | None, as_json: bool) -> int:
    """List decisions: numbered ones by number, then proposals."""
    # govkit.quick prints the same text without Click for the plain forms of this command.
    click.echo(decision_list_text(obj.workspace(), status, owner, as_json), nl=False)
    return EXIT_OK


@decision.command("show")
@click.argument("ref")
@json_option
@click.pass_obj
def show(obj: AppContext, ref: str, as_json: bool) -> int:
    """Show one decision."""
    ws = obj.workspace()
    click.echo(decision_show_text(ws, core.find_decision(ws, ref), as_json), nl=False)
    return EXIT_OK
