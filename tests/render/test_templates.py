"""Templates: packaged defaults, workspace overrides, eject, and clean errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from govkit.cli import cli
from govkit.render.templating import list_templates, packaged_dir
from govkit.workspace import Workspace
from tests.helpers import REPO_ROOT


def run(ws: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-C", str(ws.root), *args])
    return result.exit_code, result.output


def test_packaged_templates_are_found_in_the_source_tree() -> None:
    assert (packaged_dir() / "status.md.j2").is_file()


def test_one_source_for_the_packaged_templates() -> None:
    # The package's templates/ is a link to the top-level templates/, not a second copy.
    assert (REPO_ROOT / "govkit" / "templates").is_symlink()
    assert packaged_dir().resolve() == (REPO_ROOT / "templates").resolve()


def test_govkit_own_repo_overrides_no_template() -> None:
    # govkit's repo is a workspace whose templates/ is the packaged directory itself.
    result = CliRunner().invoke(cli, ["-C", str(REPO_ROOT), "templates", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["name"] for r in rows} >= {"status.md.j2", "packet.md.j2", "site/base.html.j2"}
    assert {r["source"] for r in rows} == {"packaged"}


def test_an_unchanged_copy_is_not_an_override(harbor: Workspace) -> None:
    harbor.templates_dir.mkdir(exist_ok=True)
    (harbor.templates_dir / "mine.md.j2").write_text("# mine\n")
    (harbor.templates_dir / "handoff.md.j2").write_bytes(
        (packaged_dir() / "handoff.md.j2").read_bytes()
    )
    rows = {r.name: r.source for r in list_templates(harbor.templates_dir)}
    assert rows["handoff.md.j2"] == "same as packaged"
    assert rows["mine.md.j2"] == "workspace" and rows["status.md.j2"] == "packaged"


def test_list_shows_packaged_then_overridden(harbor: Workspace) -> None:
    code, out = run(harbor, "templates", "list", "--json")
    assert code == 0
    rows = {r["name"]: r["source"] for r in json.loads(out)}
    assert rows["status.md.j2"] == "packaged"
    assert run(harbor, "templates", "eject", "status.md.j2") == (
        0,
        "ejected templates/status.md.j2\n",
    )
    rows = {
        r["name"]: r["source"] for r in json.loads(run(harbor, "templates", "list", "--json")[1])
    }
    # An ejected copy is the default until it is edited (issue 11): only a change overrides.
    assert rows["status.md.j2"] == "same as packaged"
    copy = harbor.templates_dir / "status.md.j2"
    copy.write_text(copy.read_text() + "\nmine\n")
    rows = {
        r["name"]: r["source"] for r in json.loads(run(harbor, "templates", "list", "--json")[1])
    }
    assert rows["status.md.j2"] == "overridden"
    code, out = run(harbor, "templates", "list")
    assert code == 0 and "overridden" in out


def test_eject_refuses_to_overwrite_without_force(harbor: Workspace) -> None:
    assert run(harbor, "templates", "eject", "status.md")[0] == 0  # suffix optional
    target = harbor.templates_dir / "status.md.j2"
    target.write_text("mine\n")
    code, out = run(harbor, "templates", "eject", "status.md.j2")
    assert code == 2 and "exists already" in out and "--force" in out
    assert target.read_text() == "mine\n"
    assert run(harbor, "templates", "eject", "status.md.j2", "--force")[0] == 0
    assert target.read_text() == (packaged_dir() / "status.md.j2").read_text()


def test_eject_unknown_name_lists_the_real_ones(harbor: Workspace) -> None:
    code, out = run(harbor, "templates", "eject", "nope.md.j2")
    assert code == 2 and "no packaged template 'nope.md.j2'" in out and "status.md.j2" in out


def test_override_is_used_by_render(harbor: Workspace) -> None:
    harbor.templates_dir.mkdir(exist_ok=True)
    (harbor.templates_dir / "status.md.j2").write_text(
        "# {{ s.program }} at {{ s.last_updated }}\n"
    )
    assert run(harbor, "render", "status")[0] == 0
    assert (harbor.root / "STATUS.md").read_text() == "# harbor at 2026-11-20\n"


def test_undefined_variable_names_the_template_file_and_line(harbor: Workspace) -> None:
    harbor.templates_dir.mkdir(exist_ok=True)
    template = harbor.templates_dir / "status.md.j2"
    template.write_text("# {{ s.program }}\n\nfine line\n{{ s.no_such_section }}\n")
    code, out = run(harbor, "render", "status")
    assert code == 2
    assert f"{template}:4: template uses an undefined value" in out
    assert "no_such_section" in out
    assert "Traceback" not in out
    assert not (harbor.root / "STATUS.md").exists()


def test_undefined_top_level_name_and_syntax_error(harbor: Workspace) -> None:
    harbor.templates_dir.mkdir(exist_ok=True)
    template = harbor.templates_dir / "status.md.j2"
    template.write_text("ok\n{{ nothing_here }}\n")
    code, out = run(harbor, "render", "status")
    assert code == 2 and f"{template}:2:" in out and "nothing_here" in out
    template.write_text("ok\n\n{% for x in %}\n")
    code, out = run(harbor, "render", "status")
    assert code == 2 and f"{template}:3: template syntax error" in out


def test_packaged_templates_ship_in_the_wheel_mapping() -> None:
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert '"templates" = "govkit/templates"' in pyproject
