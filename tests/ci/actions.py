"""A small local stand-in for GitHub Actions, enough to run `govkit ci github` workflows.

GitHub cannot be reached from the tests, so this plays its part: every job gets its
own "runner" (a directory with its own clone, HOME and TMPDIR and its own heavy-slot
dir, as a separate machine would), each `run:` step runs in bash like GitHub's
default shell (`bash --noprofile --norc -eo pipefail`), and the few `uses:` actions
the generated workflows use are EMULATED by copying:

- actions/checkout      -> `git clone` of the origin repository (full history), at `ref`
- actions/setup-python  -> nothing: this test's Python is already on PATH
- actions/upload-artifact   -> copy `path` into an artifact store, under `name`
- actions/download-artifact -> copy every artifact matching `pattern` into `path`

`secrets.NAME` comes from `LocalActions.secrets`; `$GITHUB_ENV` and `$RUNNER_TEMP` work
as on GitHub (single-line `KEY=VALUE` entries).

Only the `${{ }}` expressions the generator writes are understood; any other one
fails the test, so a change in the generator cannot be silently mis-run here.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class StepResult:
    name: str
    outcome: str  # "success", "failure" or "skipped"
    output: str = ""
    tolerated: bool = False  # a failure under continue-on-error


@dataclass
class JobResult:
    job: str
    runner: str
    steps: list[StepResult] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(s.outcome == "failure" and not s.tolerated for s in self.steps)

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.name == name)


@dataclass
class LocalActions:
    """One workflow run: where the origin is, the artifact store, the run's identity."""

    origin: Path  # bare repository standing in for the GitHub repository
    root: Path  # runners and artifacts go here
    base_env: Mapping[str, str]  # PATH (with govkit on it), PYTHONPATH, …
    run_id: str = "1000"
    ref_name: str = "main"
    token: str = "local-token-not-a-secret"
    secrets: Mapping[str, str] = field(default_factory=dict)

    @property
    def artifacts(self) -> Path:
        return self.root / f"artifacts-{self.run_id}"

    def expand(self, text: str, *, matrix: Mapping[str, Any], steps: Mapping[str, str]) -> Any:
        """Evaluate the expressions the generator writes; anything else is an error."""

        def value(expr: str) -> Any:
            if expr.startswith("matrix."):
                return matrix[expr.removeprefix("matrix.")]
            if expr.startswith("secrets."):
                return self.secrets.get(expr.removeprefix("secrets."), "")  # unset: empty
            known: dict[str, Any] = {
                "github.ref_name": self.ref_name,
                "github.token": self.token,
                "always()": True,
                "!cancelled()": True,
            }
            if expr in known:
                return known[expr]
            m = re.fullmatch(r"steps\.([\w-]+)\.outcome == '(\w+)'", expr)
            if m:
                return steps.get(m.group(1)) == m.group(2)
            raise AssertionError(f"the local runner does not know the expression {expr!r}")

        whole = _EXPR.fullmatch(text)
        if whole:
            return value(whole.group(1))
        return _EXPR.sub(lambda m: str(value(m.group(1))), text)

    def run_job(
        self,
        workflow: dict[str, Any],
        job_id: str,
        matrix: Mapping[str, Any],
        runner: str,
        *,
        start: threading.Barrier | None = None,
    ) -> JobResult:
        """Run one job (one matrix entry) on a fresh runner named `runner`."""
        job = workflow["jobs"][job_id]
        home = self.root / runner / "home"
        tmp = self.root / runner / "tmp"
        work = self.root / runner / "work"
        for d in (home, tmp):
            d.mkdir(parents=True)
        outcomes: dict[str, str] = {}
        env = {
            **self.base_env,
            "HOME": str(home),
            "TMPDIR": str(tmp),
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(work),
            "GITHUB_RUN_ID": self.run_id,
            "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_REF_NAME": self.ref_name,
            "GITHUB_REPOSITORY": "example/program",
            "GITHUB_WORKFLOW_REF": "example/program/.github/workflows/govkit.yml@refs/heads/main",
            "GITHUB_JOB": job_id,
            "RUNNER_NAME": runner,
            # Each runner is its own machine: its own heavy slots.
            "GOVKIT_SLOT_DIR": str(self.root / runner / "slots"),
            "RUNNER_TEMP": str(tmp),
            "GITHUB_ENV": str(self.root / runner / "github_env"),
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        for key, raw in (job.get("env") or {}).items():
            env[key] = str(self.expand(str(raw), matrix=matrix, steps=outcomes))
        workdir = (workflow.get("defaults") or {}).get("run", {}).get("working-directory", ".")
        result = JobResult(job_id, runner)
        if start is not None:
            start.wait()  # every runner starts at once, like a matrix
        failed = False
        for step in job["steps"]:
            name = step.get("name", step.get("uses", "step"))
            cond = step.get("if")
            if cond is not None:
                run_it = bool(self.expand(cond, matrix=matrix, steps=outcomes))
            else:
                run_it = not failed  # success(): no earlier step failed
            if not run_it:
                result.steps.append(StepResult(name, "skipped"))
                continue
            if "uses" in step:
                outcome, output = self._uses(step, work, matrix, outcomes)
            else:
                script = step["run"]
                step_env = {
                    **env,
                    **{
                        k: str(self.expand(str(v), matrix=matrix, steps=outcomes))
                        for k, v in (step.get("env") or {}).items()
                    },
                }
                proc = subprocess.run(
                    ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                    cwd=work / workdir,
                    env=step_env,
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
                outcome = "success" if proc.returncode == 0 else "failure"
                output = proc.stdout + proc.stderr
                env.update(_github_env(Path(env["GITHUB_ENV"])))  # KEY=VALUE lines for later steps
            if "id" in step:
                outcomes[step["id"]] = outcome
            if outcome == "failure" and step.get("continue-on-error"):
                result.steps.append(StepResult(name, outcome, output, tolerated=True))
                continue
            failed = failed or outcome == "failure"
            result.steps.append(StepResult(name, outcome, output))
        return result

    def _uses(
        self, step: dict[str, Any], work: Path, matrix: Mapping[str, Any], steps: dict[str, str]
    ) -> tuple[str, str]:
        action = step["uses"].split("@")[0]
        args = {
            k: self.expand(v, matrix=matrix, steps=steps) if isinstance(v, str) else v
            for k, v in (step.get("with") or {}).items()
        }
        if action == "actions/checkout":
            ref = args.get("ref", self.ref_name)
            proc = subprocess.run(
                ["git", "clone", "-q", "--branch", ref, str(self.origin), str(work)],
                capture_output=True,
                text=True,
                env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1"},
            )
            return ("success" if proc.returncode == 0 else "failure"), proc.stderr
        if action == "actions/setup-python":
            return "success", "(this test's Python is on PATH)"
        if action == "actions/upload-artifact":
            source = work / args["path"]
            files = [p for p in source.rglob("*") if p.is_file()] if source.is_dir() else []
            if not files:
                return "failure", f"no files at {args['path']}"
            target = self.artifacts / args["name"]
            if target.exists() and args.get("overwrite"):
                shutil.rmtree(target)
            shutil.copytree(source, target)
            return "success", f"uploaded {len(files)} files as {args['name']}"
        if action == "actions/download-artifact":
            target = work / args["path"]
            target.mkdir(parents=True, exist_ok=True)
            names = (
                sorted(p.name for p in self.artifacts.iterdir()) if self.artifacts.is_dir() else []
            )
            for name in names:
                if fnmatch.fnmatch(name, args["pattern"]):
                    dest = target if args.get("merge-multiple") else target / name
                    shutil.copytree(self.artifacts / name, dest, dirs_exist_ok=True)
            return "success", f"downloaded {names}"
        raise AssertionError(f"the local runner does not emulate {step['uses']}")


def _github_env(path: Path) -> dict[str, str]:
    """What steps wrote to $GITHUB_ENV (single-line KEY=VALUE form only)."""
    if not path.is_file():
        return {}
    pairs = [line.split("=", 1) for line in path.read_text().splitlines() if "=" in line]
    return {key: value for key, value in pairs}


def matrix_entries(job: dict[str, Any]) -> list[dict[str, Any]]:
    """The matrix of a generated gate job (`include` entries only, as the generator writes)."""
    matrix = job["strategy"]["matrix"]
    assert set(matrix) == {"include"}, matrix
    return list(matrix["include"])
