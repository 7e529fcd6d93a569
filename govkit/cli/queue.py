"""govkit queue: the ordered priority queue (records/queue.yaml)."""

from __future__ import annotations

import click

from govkit.cli import AppContext
from govkit.cli.output import emit_json, emit_table, json_option
from govkit.errors import EXIT_OK
from govkit.records import ops
from govkit.records.model import QueueItem


def _show(items: list[QueueItem]) -> None:
    emit_table(
        ["#", "priority", "id", "description"],
        [[n, i.priority, i.id, i.description.split("\n")[0]] for n, i in enumerate(items, 1)],
    )


@click.group()
def queue() -> None:
    """The ordered priority queue of next tasks."""


@queue.command("add")
@click.argument("item_id", metavar="ID")
@click.option("--priority", default="P2", show_default=True, help="P0 (most urgent), P1, …")
@click.option("--description", default="", help="What to do next.")
@click.option("--at", "position", type=int, help="Insert at this 1-based position (default: end).")
@click.pass_obj
def add(
    obj: AppContext, item_id: str, priority: str, description: str, position: int | None
) -> int:
    """Queue the record ID."""
    items = ops.queue_add(
        obj.workspace(), item_id, priority=priority, description=description, position=position
    )
    click.echo(f"queued {item_id} at position {[i.id for i in items].index(item_id) + 1}")
    return EXIT_OK


@queue.command("list")
@json_option
@click.pass_obj
def list_(obj: AppContext, as_json: bool) -> int:
    """Show the queue in order."""
    items = ops.queue_list(obj.workspace())
    if as_json:
        emit_json(
            [
                {"position": n, "id": i.id, "priority": i.priority, "description": i.description}
                for n, i in enumerate(items, 1)
            ]
        )
    else:
        _show(items)
    return EXIT_OK


@queue.command("remove")
@click.argument("item_id", metavar="ID")
@click.pass_obj
def remove(obj: AppContext, item_id: str) -> int:
    """Take ID off the queue (the record itself stays)."""
    ops.queue_remove(obj.workspace(), item_id)
    click.echo(f"removed {item_id} from the queue")
    return EXIT_OK


@queue.command("move")
@click.argument("item_id", metavar="ID")
@click.option("--to", "to", type=int, required=True, help="New 1-based position.")
@click.pass_obj
def move(obj: AppContext, item_id: str, to: int) -> int:
    """Move ID to position N."""
    _show(ops.queue_move(obj.workspace(), item_id, to))
    return EXIT_OK
