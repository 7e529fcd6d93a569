"""The GitHub Actions workflow of `govkit ci github` (D-021).

One job per selected gate (a matrix; heavy gates in their own matrix with their
own runner label and max-parallel), each running `govkit gate run GATE
--bundle` and uploading the bundle; then one collect job that downloads every
bundle, ingests them, renders STATUS.md (and the packet) and publishes.

`run:` steps are plain shell that reads the matrix through `env:`, never
through `${{ }}` inside the script: nothing from the matrix is pasted into
shell code, and the tests can run the very same scripts on a local machine.
The text depends only on govkit.yaml and the options: same input, same bytes.
"""

from __future__ import annotations

import difflib
import math
import os
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit import __version__, yamlio
from govkit.atomic import atomic_write_text
from govkit.config import CiSettings, GateDef
from govkit.errors import ValidationError
from govkit.workspace import Workspace

DEFAULT_OUTPUT = ".github/workflows/govkit.yml"
BUNDLES = ".govkit-bundles"  # under $GITHUB_WORKSPACE, outside the workspace's own files
ARTIFACT_PREFIX = "govkit-bundle-"
BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
MAX_JOB_MINUTES = 360  # GitHub-hosted runners stop a job after six hours
SETUP_MINUTES = 15  # checkout, Python, install and clones, beside the gate's own timeout


@dataclass(frozen=True)
class WorkflowPlan:
    """What the workflow will run: the gates, split by weight, and where it goes."""

    light: list[GateDef]
    heavy: list[GateDef]
    tuple_name: str | None
    weekly: bool
    git_root: Path  # the repository the workflow lives in
    working_directory: str  # the workspace, relative to git_root ("." at the root)


def git_root_of(ws: Workspace) -> Path:
    """The top of the git repository holding the workspace (the workspace itself if none)."""
    from govkit import git

    proc = git.run_git(["-C", str(ws.root), "rev-parse", "--show-toplevel"], check=False)
    top = proc.stdout.strip()
    return Path(top).resolve() if proc.returncode == 0 and top else ws.root.resolve()


def plan_workflow(ws: Workspace, *, tuple_name: str | None, weekly: bool) -> WorkflowPlan:
    """Select the gates (every gate, or the weekly ones) and check the tuple exists."""
    from govkit.ids import id_sort_key
    from govkit.tuples import get_tuple

    gates = sorted(
        (g for g in ws.config.gates.values() if g.weekly or not weekly),
        key=lambda g: id_sort_key(g.id),
    )
    if not gates:
        raise ValidationError(
            "no gates to run on CI" + (" (none is weekly)" if weekly else ""),
            path=ws.config_path,
            hint="define gates with `govkit gate add` (and `--weekly` for the weekly workflow)",
        )
    if weekly and tuple_name is None:
        tuple_name = ws.config.cadence.tuple_name  # the packet reports on the cadence tuple
    for name in {tuple_name} if tuple_name else {g.tuple_name for g in gates}:
        get_tuple(ws, name)
    root = git_root_of(ws)
    rel = Path(os.path.relpath(ws.root.resolve(), root)).as_posix()
    return WorkflowPlan(
        light=[g for g in gates if not g.heavy],
        heavy=[g for g in gates if g.heavy],
        tuple_name=tuple_name,
        weekly=weekly,
        git_root=root,
        working_directory=rel,
    )


def render_workflow(ws: Workspace, plan: WorkflowPlan, *, output: Path) -> str:
    """The workflow YAML text for `plan`, to be written at `output`."""
    ci = ws.config.ci
    workflow: dict[str, Any] = {
        "name": "govkit weekly gates" if plan.weekly else "govkit gates",
        "on": _triggers(ci, plan.weekly),
        "permissions": {"contents": "read"},
    }
    if plan.working_directory != ".":
        workflow["defaults"] = {"run": {"working-directory": plan.working_directory}}
    jobs: dict[str, Any] = {}
    if plan.light:
        jobs["gates"] = _gate_job(ci, plan, plan.light, ci.runner, ci.max_parallel)
    if plan.heavy:
        jobs["heavy-gates"] = _gate_job(
            ci, plan, plan.heavy, ci.heavy_runner or ci.runner, ci.heavy_max_parallel
        )
    jobs["collect"] = _collect_job(ci, plan, needs=list(jobs))
    for job in jobs.values():
        for step in job["steps"]:
            if "\n" in step.get("run", ""):
                step["run"] = yamlio.literal(step["run"])  # scripts read as scripts
    workflow["jobs"] = jobs
    return _header(plan, output) + yamlio.dumps(workflow)


def _header(plan: WorkflowPlan, output: Path) -> str:
    args = ["govkit"]
    if plan.working_directory != ".":
        args += ["-C", plan.working_directory]
    args += ["ci", "github"]
    if plan.tuple_name:
        args += ["--tuple", plan.tuple_name]
    if plan.weekly:
        args.append("--weekly")
    rel = Path(os.path.relpath(output.absolute(), plan.git_root)).as_posix()
    if rel != DEFAULT_OUTPUT:
        args += ["-o", rel]
    command = shlex.join(args)
    return (
        f"# Generated by `{command}` (govkit {__version__}) from govkit.yaml.\n"
        "# Do not edit: change govkit.yaml and run it again; add `--check` to a CI job\n"
        "# to fail when this file is stale. See docs/ci.md.\n"
    )


def _triggers(ci: CiSettings, weekly: bool) -> dict[str, Any]:
    on: dict[str, Any] = {"workflow_dispatch": {}}
    if weekly:
        on["schedule"] = [{"cron": ci.schedule}]
    return on


def _runs_on(labels: tuple[str, ...]) -> Any:
    return labels[0] if len(labels) == 1 else list(labels)


def _minutes(gate: GateDef) -> int:
    """Job timeout: the gate's own, times its runs for a perf gate, plus setup."""
    runs = 1 if gate.perf is None else 4 * gate.perf.rounds  # both sides, and one re-run
    return min(MAX_JOB_MINUTES, math.ceil(gate.timeout * runs / 60) + SETUP_MINUTES)


def _setup_steps(ci: CiSettings, *, checkout: dict[str, Any]) -> list[dict[str, Any]]:
    install = ci.install or f'python -m pip install "govkit=={__version__}"'
    return [
        {"name": "Check out the workspace", "uses": "actions/checkout@v4", "with": checkout},
        {
            "name": "Set up Python",
            "uses": "actions/setup-python@v5",
            "with": {"python-version": ci.python},
        },
        {"name": "Install govkit", "run": install},
    ]


def _gate_job(
    ci: CiSettings,
    plan: WorkflowPlan,
    gates: list[GateDef],
    labels: tuple[str, ...],
    max_parallel: int | None,
) -> dict[str, Any]:
    strategy: dict[str, Any] = {
        "fail-fast": False,
        "matrix": {"include": [{"gate": g.id, "minutes": _minutes(g)} for g in gates]},
    }
    if max_parallel is not None:
        strategy["max-parallel"] = max_parallel
    tuple_arg = f" --tuple {shlex.quote(plan.tuple_name)}" if plan.tuple_name else ""
    signing = [_signing_key_step(ci.signing_secret)] if ci.signing_secret else []
    return {
        "name": "${{ matrix.gate }}",
        "runs-on": _runs_on(labels),
        "timeout-minutes": "${{ matrix.minutes }}",
        "strategy": strategy,
        "env": {"GATE": "${{ matrix.gate }}"},
        "steps": [
            # Full history: a repo given as a local path (the workspace's own repo) must
            # hold the pinned commits, not only the tip.
            *_setup_steps(ci, checkout={"fetch-depth": 0}),
            *signing,
            {
                "name": "Run the gate into a bundle",
                "run": f'govkit gate run "$GATE"{tuple_arg} --bundle "$GITHUB_WORKSPACE/{BUNDLES}"',
            },
            {
                "name": "Upload the bundle",
                "if": "${{ always() }}",  # a failed gate's run is evidence too
                "uses": "actions/upload-artifact@v4",
                "with": {
                    "name": ARTIFACT_PREFIX + "${{ matrix.gate }}",
                    "path": f"{BUNDLES}/",
                    "if-no-files-found": "error",
                    "overwrite": True,
                },
            },
        ],
    }


def _signing_key_step(secret: str) -> dict[str, Any]:
    """Put the runners' signing key (an Actions secret) in a private file for govkit."""
    return {
        "name": "Set up the signing key",
        "env": {"SIGNING_KEY": "${{ secrets." + secret + " }}"},
        # $GOVKIT_SIGNING_KEY overrides signing.key (docs/signing.md); the key never
        # appears in a command line or in the log.
        "run": "\n".join(
            [
                "umask 077",
                'printf \'%s\\n\' "$SIGNING_KEY" > "$RUNNER_TEMP/govkit-signing-key"',
                'echo "GOVKIT_SIGNING_KEY=$RUNNER_TEMP/govkit-signing-key" >> "$GITHUB_ENV"',
            ]
        )
        + "\n",
    }


def _collect_job(ci: CiSettings, plan: WorkflowPlan, *, needs: list[str]) -> dict[str, Any]:
    publish = ci.publish
    permissions = {"contents": "write" if publish != "none" else "read"}
    if publish == "pull-request":
        permissions["pull-requests"] = "write"
    steps: list[dict[str, Any]] = [
        # The branch's tip now, not the commit the workflow started at: gate jobs take time.
        *_setup_steps(ci, checkout={"ref": "${{ github.ref_name }}"}),
        {
            "name": "Download every bundle",
            "uses": "actions/download-artifact@v4",
            "with": {"pattern": ARTIFACT_PREFIX + "*", "path": BUNDLES, "merge-multiple": True},
        },
        {
            "name": "Ingest the bundles",
            "id": "ingest",
            # Refused bundles fail the job at the end, after the good ones are published.
            "continue-on-error": True,
            "run": f'govkit evidence ingest "$GITHUB_WORKSPACE/{BUNDLES}"',
        },
        {"name": "Render STATUS.md", "run": "govkit render status"},
    ]
    if plan.weekly or any(g.weekly for g in plan.light + plan.heavy):
        steps.append(
            {
                "name": "Write the weekly packet",
                # Exit 1 only says a weekly gate has no pass this week; the packet is written.
                "run": 'govkit cadence run --no-run || [ "$?" -eq 1 ]',
            }
        )
    if publish != "none":
        steps.append(_publish_step(publish))
    steps.append(
        {
            "name": "Fail if a bundle was refused",
            "if": "${{ steps.ingest.outcome == 'failure' }}",
            "run": 'echo "govkit: some bundles were refused; the Ingest step says why" >&2\nexit 1\n',
        }
    )
    return {
        "name": "ingest and publish",
        "needs": needs,
        "if": "${{ !cancelled() }}",  # failed gates still bring their evidence home
        "runs-on": _runs_on(ci.runner),
        # One collect job at a time per branch: the ledger is a hash chain, appended in turn.
        "concurrency": {
            "group": "govkit-evidence-${{ github.ref_name }}",
            "cancel-in-progress": False,
        },
        "permissions": permissions,
        "steps": steps,
    }


def _publish_step(mode: str) -> dict[str, Any]:
    lines = [
        f'git config user.name "{BOT_NAME}"',
        f'git config user.email "{BOT_EMAIL}"',
    ]
    if mode == "pull-request":
        lines.append('branch="govkit/evidence-$GITHUB_RUN_ID-${GITHUB_RUN_ATTEMPT:-1}"')
        lines.append('git switch -q -c "$branch"')
    lines += [
        "git add -A evidence STATUS.md",
        "if git diff --cached --quiet; then",
        '  echo "govkit: no new evidence to publish"',
        "  exit 0",
        "fi",
        'git commit -q -m "govkit: evidence from workflow run $GITHUB_RUN_ID"',
    ]
    if mode == "pull-request":
        lines += [
            'git push -q origin "$branch"',
            'gh pr create --base "$GITHUB_REF_NAME" --head "$branch" \\',
            '  --title "govkit: evidence from workflow run $GITHUB_RUN_ID" \\',
            '  --body "Bundles ingested by govkit evidence ingest; STATUS.md re-rendered."',
        ]
        step: dict[str, Any] = {"name": "Open a pull request with the evidence"}
        step["env"] = {"GH_TOKEN": "${{ github.token }}"}
    else:
        lines.append('git push -q origin "HEAD:$GITHUB_REF_NAME"')
        step = {"name": "Commit the evidence"}
    step["run"] = "\n".join(lines) + "\n"
    return step


@dataclass(frozen=True)
class WorkflowResult:
    """Where the workflow is, and whether it was current (check) or written."""

    path: Path
    current: bool
    diff: str
    gates: list[str]


def github_workflow(
    ws: Workspace,
    *,
    tuple_name: str | None = None,
    weekly: bool = False,
    output: Path | None = None,
    check: bool = False,
) -> WorkflowResult:
    """Write (or with `check`, compare) the workflow; `current` says it already matched."""
    plan = plan_workflow(ws, tuple_name=tuple_name, weekly=weekly)
    path = output if output is not None else plan.git_root / DEFAULT_OUTPUT
    ws.check_output(path)
    text = render_workflow(ws, plan, output=path)
    old = path.read_text(encoding="utf-8") if path.is_file() else None
    current = old == text
    diff = "".join(
        difflib.unified_diff(
            (old or "").splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=f"{path} (on disk)" if old is not None else "/dev/null",
            tofile=f"{path} (generated)",
        )
    )
    if not check and not current:
        atomic_write_text(path, text)
    gates = [g.id for g in plan.light + plan.heavy]
    return WorkflowResult(path, current, diff, gates)
