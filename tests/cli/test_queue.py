"""govkit queue wiring."""

from __future__ import annotations

import functools
import json

from click.testing import CliRunner

from govkit.workspace import Workspace
from tests.helpers import invoke


def test_queue_commands(runner: CliRunner, ws: Workspace) -> None:
    gk = functools.partial(invoke, runner, ws)

    for name in ("Ops-Weekly", "Ops-Audit", "Ops-Render"):
        assert gk("task", "add", name, "--title", name)[0] == 0
    assert (
        gk("queue", "add", "Ops-Weekly", "--priority", "P0", "--description", "Run cadence")[0] == 0
    )
    assert gk("queue", "add", "Ops-Audit", "--priority", "P1")[0] == 0
    code, out = gk("queue", "add", "Ops-Render", "--at", "1")
    assert code == 0 and "position 1" in out
    code, out = gk("queue", "move", "Ops-Weekly", "--to", "1")
    assert code == 0
    data = json.loads(gk("queue", "list", "--json")[1])
    assert [(d["position"], d["id"], d["priority"]) for d in data] == [
        (1, "Ops-Weekly", "P0"),
        (2, "Ops-Render", "P2"),
        (3, "Ops-Audit", "P1"),
    ]
    assert data[0]["description"] == "Run cadence"
    assert gk("queue", "remove", "Ops-Audit")[0] == 0
    code, out = gk("queue", "list")
    assert "Ops-Weekly" in out and "Ops-Audit" not in out
    code, out = gk("queue", "remove", "Ops-Audit")
    assert code == 2 and "not in the queue" in out
    code, out = gk("queue", "add", "Nobody", "--priority", "P0")
    assert code == 2 and "no record 'Nobody'" in out
