"""govkit milestone|task|finding|…: one command group per row of records.kinds.KINDS."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import click

from govkit.cli import AppContext
from govkit.cli.options import Decorator
from govkit.cli.output import emit_json, emit_json_list, emit_table, json_option
from govkit.errors import EXIT_OK
from govkit.records import ops
from govkit.records.kinds import KindView
from govkit.records.model import KINDS, OWNED_KINDS, Record, kind_fields

if TYPE_CHECKING:
    from govkit.workspace import Workspace

# kind -> its flags: (flag, field, help), from the field metadata in records.model.
# List fields take repeated flags and/or comma lists.
FLAGS: Mapping[str, tuple[tuple[str, str, str], ...]] = KindView(
    lambda kind: tuple((f.flag, f.name, f.spec.help) for f in kind.fields)
)


def _field_options(kind: str) -> list[Decorator]:
    """One option per editable field: repeatable for lists, a choice for allowed values."""
    options: list[Decorator] = []
    for f in KINDS[kind].fields:
        if f.is_list:
            options.append(click.option(f.flag, f.name, multiple=True, help=f.spec.help))
        elif f.spec.choices:
            choice = click.Choice(f.spec.choices, case_sensitive=False)
            options.append(click.option(f.flag, f.name, type=choice, help=f.spec.help))
        else:
            options.append(click.option(f.flag, f.name, default=None, help=f.spec.help))
    return options


def _changes(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """Flag values given on the command line, by field (absent repeated flags dropped)."""
    out = {}
    for _, field_name, _ in FLAGS[kind]:
        value = values.get(field_name)
        if value is None or value == ():
            continue
        out[field_name] = value
    return out


def _apply(func: Callable[..., Any], decorators: list[Decorator]) -> Callable[..., Any]:
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


def _status_option(kind: str, help_text: str) -> Decorator:
    statuses = KINDS[kind].lifecycle.statuses
    return click.option("--status", type=click.Choice(statuses), help=help_text)


def _edit_command(
    func: Callable[..., Any], kind: str, status_help: str, force_help: str
) -> Callable[..., Any]:
    """`add` or `set`: ID, --status, --force and one flag per field of the kind."""
    return _apply(
        func,
        [
            click.pass_obj,
            click.argument("record_id", metavar="ID"),
            _status_option(kind, status_help),
            click.option("--force", is_flag=True, help=force_help),
            *_field_options(kind),
        ],
    )


def _text(value: object) -> str:
    if isinstance(value, tuple | list):
        return ", ".join(map(str, value))
    return str(value).replace("\n", "\n    ")


def show_record(ws: Workspace, record: Record) -> None:
    """Human-readable view of one record."""
    click.echo(f"{record.kind} {record.id}  [{record.status}]")
    for name in kind_fields(record.kind):
        value = getattr(record, name)
        if value not in ("", ()):
            click.echo(f"  {name}: {_text(value)}")
    click.echo(f"  created: {record.created}  updated: {record.updated}")
    if record.path is not None:
        click.echo(f"  file: {ws.rel(record.path)}")
    if record.history:
        click.echo("  history:")
        for step in record.history:
            move = f"{step.from_status or '(new)'} -> {step.to_status}"
            extra = " (forced)" if step.forced else ""
            note = f"  {step.note}" if step.note else ""
            click.echo(f"    {step.at}  {move}{extra}{note}")


_GROUPS: dict[str, click.Group] = {}


def forget_group(kind: str) -> None:
    """Drop the built group of a kind (after unregistering a throwaway kind)."""
    _GROUPS.pop(kind, None)


def make_group(kind: str) -> click.Group:
    """The add/set/show/list/remove group of one record kind (built once, on first use)."""
    if kind not in _GROUPS:
        _GROUPS[kind] = _build_group(kind)
    return _GROUPS[kind]


def _build_group(kind: str) -> click.Group:
    statuses = KINDS[kind].lifecycle.statuses

    @click.group(name=kind, help=f"{kind.capitalize()} records (statuses: {', '.join(statuses)}).")
    def group() -> None:
        pass

    def add(obj: AppContext, record_id: str, status: str | None, force: bool, **values: Any) -> int:
        ws = obj.workspace()
        record = ops.add_record(
            ws, kind, record_id, _changes(kind, values), status=status, force=force
        )
        assert record.path is not None
        click.echo(f"added {kind} {record.id} [{record.status}] ({ws.rel(record.path)})")
        return EXIT_OK

    group.command("add", help=f"Add a {kind} with id ID.")(
        _edit_command(
            add,
            kind,
            f"Start in this status (default: {KINDS[kind].lifecycle.initial}).",
            "Complete a milestone with open tasks, or resolve a blocker with unmet conditions "
            "(recorded).",
        )
    )

    def set_(
        obj: AppContext, record_id: str, status: str | None, force: bool, **values: Any
    ) -> int:
        ws = obj.workspace()
        record = ops.update_record(
            ws, kind, record_id, _changes(kind, values), status=status, force=force
        )
        click.echo(f"updated {kind} {record.id} [{record.status}]")
        return EXIT_OK

    group.command("set", help=f"Change fields of a {kind} and/or move its status.")(
        _edit_command(
            set_,
            kind,
            "Move to this status (along the lifecycle).",
            "Complete a milestone whose tasks are not all done, or resolve a blocker whose "
            "conditions are unmet (recorded).",
        )
    )

    @group.command("show")
    @click.argument("record_id", metavar="ID")
    @json_option
    @click.pass_obj
    def show(obj: AppContext, record_id: str, as_json: bool) -> int:
        """Show one record."""
        ws = obj.workspace()
        record = ops.get_record(ws, kind, record_id)
        states = ops.condition_states(ws, [record]).get(record.id, [])
        if as_json:
            data = ops.record_data(ws, record)
            if states:
                data["condition_states"] = states
            emit_json(data)
        else:
            show_record(ws, record)
            for state in states:
                mark = "met" if state["met"] else "unmet"
                click.echo(f"  condition {mark}: {state['condition']} ({state['evidence']})")
        return EXIT_OK

    owned = kind in OWNED_KINDS
    filters = (
        [
            click.option("--owner", default=None, help="Only records this owner owns."),
            click.option("--lane", default=None, help="Only records in this lane."),
        ]
        if owned
        else []
    )

    def list_(obj: AppContext, status: str | None, as_json: bool, **filters: str | None) -> int:
        # filters: --owner and --lane, which only the owned kinds have.
        ws = obj.workspace()
        records = ops.list_records(ws, kind, status=status, **filters)
        if as_json:
            emit_json_list([ops.record_data(ws, r) for r in records])
            return EXIT_OK
        columns = (*KINDS[kind].columns, *(("owner", "lane") if owned else ()))
        rows = [[r.id, r.status, *(_text(getattr(r, c)) for c in columns)] for r in records]
        emit_table(["id", "status", *columns], [[c.split("\n")[0] for c in row] for row in rows])
        return EXIT_OK

    group.command("list", help="List records, by id.")(
        _apply(
            list_,
            [
                click.pass_obj,
                _status_option(kind, "Only records with this status."),
                *filters,
                json_option,
            ],
        )
    )

    @group.command("remove")
    @click.argument("record_id", metavar="ID")
    @click.pass_obj
    def remove(obj: AppContext, record_id: str) -> int:
        """Delete a record (refused while other records reference it)."""
        ws = obj.workspace()
        path = ops.remove_record(ws, kind, record_id)
        click.echo(f"removed {kind} {record_id} ({ws.rel(path)})")
        return EXIT_OK

    return group


# The kinds with commands beyond add/set/show/list/remove.
finding = make_group("finding")
blocker = make_group("blocker")


@finding.command("resolve")
@click.argument("record_id", metavar="ID")
@click.option("--by", "by", multiple=True, required=True, help="Task id(s) that resolved it.")
@click.pass_obj
def resolve_finding(obj: AppContext, record_id: str, by: tuple[str, ...]) -> int:
    """Mark a finding resolved by tasks: govkit finding resolve F1 --by M1-T01."""
    record = ops.resolve_finding(obj.workspace(), record_id, by)
    click.echo(f"resolved finding {record.id} (by {', '.join(record.references()['resolved_by'])})")
    return EXIT_OK


@blocker.command("resolve")
@click.argument("record_id", metavar="ID")
@click.option("--resolution", required=True, help="How it was resolved.")
@click.option(
    "--force", is_flag=True, help="Resolve although checkable conditions are unmet (recorded)."
)
@click.pass_obj
def resolve_blocker(obj: AppContext, record_id: str, resolution: str, force: bool) -> int:
    """Mark a blocker resolved: govkit blocker resolve B5 --resolution TEXT.

    Refused while any of its checkable conditions is unmet, unless --force.
    """
    record = ops.resolve_blocker(obj.workspace(), record_id, resolution, force=force)
    note = record.history[-1].note if record.history else ""
    click.echo(f"resolved blocker {record.id}" + (f" ({note})" if note else ""))
    return EXIT_OK
