"""Keep README, docs/ and --help honest (after sqlite-utils' tests/test_docs.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import click
import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from govkit import yamlio
from govkit.cli import COMMANDS, cli
from govkit.cli.reference import (
    generate_reference,
    iter_commands,
    missing_help,
    refresh,
    splice,
)
from govkit.cli.reference import main as reference_main
from govkit.config import (
    AuditPolicy,
    CadenceSettings,
    Config,
    GateDef,
    PerfSpec,
    RepoDef,
    SafeMode,
    keys_of,
    parse_config,
)
from tests.helpers import REPO_ROOT

CLI_DOC = REPO_ROOT / "docs" / "cli.md"


def test_every_command_has_help_text() -> None:
    assert missing_help() == []


def test_cli_reference_is_current() -> None:
    doc = CLI_DOC.read_text(encoding="utf-8")
    assert splice(doc, generate_reference()) == doc, (
        "docs/cli.md is stale: python -m govkit.cli.reference --write docs/cli.md"
    )


def test_every_command_appears_in_reference() -> None:
    reference = generate_reference()
    for path, _ in iter_commands(cli):
        assert f"## `{' '.join(path)}`" in reference


def test_reference_writer_refuses_a_file_without_its_block(tmp_path: Path) -> None:
    # README.md held the reference before docs/; --write on it must not append 1,400 lines.
    readme = tmp_path / "README.md"
    readme.write_text("# short\n", encoding="utf-8")
    assert reference_main(["--write", str(readme)]) == 2
    assert readme.read_text(encoding="utf-8") == "# short\n"
    assert reference_main(["--check", str(readme)]) == 2


def test_reference_writer_writes_and_checks(tmp_path: Path) -> None:
    doc = tmp_path / "cli.md"
    doc.write_text("# CLI\n\n<!-- cli-reference:start -->\nold\n<!-- cli-reference:end -->\n")
    assert reference_main(["--check", str(doc)]) == 1
    assert reference_main(["--write", str(doc)]) == 0
    assert reference_main(["--check", str(doc)]) == 0
    assert doc.read_text().startswith("# CLI\n\n<!-- cli-reference:start -->\n\n## `govkit`")


def test_every_listed_command_loads() -> None:
    # The COMMANDS table is the root's help; each entry must load to a real, documented command.
    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None, name
        assert command.help, name


def test_readme_is_short() -> None:
    # The README introduces; everything else lives in docs/ (issue 11).
    lines = (REPO_ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; move detail into docs/"


def test_readme_opens_with_the_two_commands() -> None:
    head = "\n".join((REPO_ROOT / "README.md").read_text().splitlines()[:15])
    assert "govkit demo" in head
    assert "pip install -e '.[test]'" in head and "pytest" in head


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert "pip install -q -e '.[test]'" in ci
    assert "python -m pytest" in ci


def test_help_and_version_do_not_import_heavy_libraries() -> None:
    for args in (["--help"], ["--version"]):
        code = (
            "import sys\n"
            "from govkit.cli import COMMANDS, cli\n"
            "try:\n"
            f"    cli.main({args!r}, prog_name='govkit')\n"
            "except SystemExit:\n"
            "    pass\n"
            "heavy = sorted(m for m in ('git', 'jinja2', 'markdown_it') if m in sys.modules)\n"
            "print('HEAVY=' + ','.join(heavy))\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
        ).stdout
        assert "HEAVY=\n" in out, out


# --- links -------------------------------------------------------------------------------

_MD = MarkdownIt("commonmark").enable("table")


def _documents() -> list[Path]:
    top = [REPO_ROOT / n for n in ("README.md", "CONTRIBUTING.md", "CHANGELOG.md")]
    return [p for p in top if p.exists()] + sorted((REPO_ROOT / "docs").glob("**/*.md"))


def _slug(text: str) -> str:
    # GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    tokens = _MD.parse(path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    anchors = set()
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[i + 1].children or []
        slug = _slug("".join(c.content for c in inline if c.type in ("text", "code_inline")))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        anchors.add(slug if n == 0 else f"{slug}-{n}")
    return anchors


def _links(tokens: list[Token]) -> list[tuple[int, str]]:
    found = []
    for token in tokens:
        for child in token.children or []:
            if child.type == "link_open":
                found.append((token.map[0] + 1 if token.map else 0, str(child.attrs["href"])))
            elif child.type == "image":
                found.append((token.map[0] + 1 if token.map else 0, str(child.attrs["src"])))
    return found


def broken_links(path: Path, root: Path = REPO_ROOT) -> list[str]:
    """Relative links of one Markdown file whose file or heading anchor does not exist."""
    broken = []
    for line, href in _links(_MD.parse(path.read_text(encoding="utf-8"))):
        url = urlsplit(href)
        if url.scheme or url.netloc:
            continue
        target = (path.parent / unquote(url.path)).resolve() if url.path else path
        where = f"{path.relative_to(root)}:{line}: {href}"
        if not target.is_relative_to(root):
            broken.append(f"{where}: outside the repository")
        elif not target.exists():
            broken.append(f"{where}: no such file")
        elif url.fragment and target.suffix == ".md" and url.fragment not in _anchors(target):
            broken.append(f"{where}: no heading #{url.fragment}")
    return broken


def test_every_relative_link_in_the_docs_resolves() -> None:
    documents = _documents()
    assert CLI_DOC in documents and REPO_ROOT / "CONTRIBUTING.md" in documents
    assert [b for p in documents for b in broken_links(p)] == []


def test_the_link_check_finds_broken_links(tmp_path: Path) -> None:
    # The check itself must be able to fail: missing files and anchors are caught, code is not.
    assert "govkit-gate-run" in _anchors(CLI_DOC)
    (tmp_path / "docs").mkdir()
    bad = tmp_path / "docs" / "bad.md"
    bad.write_text(
        "# Top\n\n## Top\n\n[a](missing.md) [b](#top) [c](#top-1) [d](#nowhere) `[e](x.md)`\n\n"
        "[f](../../outside.md) [g](https://example.com/x.md) ![h](img.png)\n"
    )
    assert broken_links(bad, tmp_path) == [
        "docs/bad.md:5: missing.md: no such file",
        "docs/bad.md:5: #nowhere: no heading #nowhere",
        "docs/bad.md:7: ../../outside.md: outside the repository",
        "docs/bad.md:7: img.png: no such file",
    ]


@pytest.mark.slow
def test_pre_commit_accepts_the_config_and_the_hooks_manifest() -> None:
    for command, name in (
        ("validate-config", ".pre-commit-config.yaml"),
        ("validate-manifest", ".pre-commit-hooks.yaml"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "pre_commit", command, name],
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_repo_pre_commit_config_runs_the_same_checks_as_scripts_check() -> None:
    config = yamlio.load_plain(REPO_ROOT / ".pre-commit-config.yaml")
    entries = [hook["entry"] for repo in config["repos"] for hook in repo["hooks"]]
    assert entries == ["ruff check", "ruff format --check", "mypy"]
    check = (REPO_ROOT / "scripts" / "check").read_text()
    for entry in entries:
        assert re.search(rf"^{re.escape(entry)}\b", check, re.M), entry


# --- the govkit.yaml reference -----------------------------------------------------------

CONFIG_DOC = REPO_ROOT / "docs" / "configuration.md"


def test_configuration_reference_is_current() -> None:
    doc = CONFIG_DOC.read_text(encoding="utf-8")
    assert refresh(doc) == doc, (
        "docs/configuration.md is stale: python -m govkit.cli.reference --write "
        "docs/configuration.md"
    )


def test_every_config_key_is_documented_with_its_default() -> None:
    doc = CONFIG_DOC.read_text(encoding="utf-8")
    for section in (Config, RepoDef, GateDef, PerfSpec, SafeMode, CadenceSettings, AuditPolicy):
        for name, spec, _ in keys_of(section):
            assert spec.doc, f"{section.__name__}.{name} has no doc text"
            assert f"| `{spec.yaml or name}` |" in doc, name
    assert "| `timeout` | duration" in doc and "| `30m` |" in doc
    assert "| `evidence_ttl` | duration" in doc and "| `14d` |" in doc


def test_configuration_example_is_a_valid_govkit_yaml(tmp_path: Path) -> None:
    doc = CONFIG_DOC.read_text(encoding="utf-8")
    (example,) = re.findall(r"```yaml\n(.*?)```", doc, re.S)
    path = tmp_path / "govkit.yaml"
    path.write_text(example, encoding="utf-8")
    config = parse_config(yamlio.load_plain(path), path)
    assert config.gates["VG-LA-002"].timeout == 1800 and config.gates["VG-PERF-1"].perf
    assert config.repos["docs-site"].ref == "main"


def test_every_audit_code_is_in_the_audit_page() -> None:
    from govkit.audit.findings import RULES

    page = (REPO_ROOT / "docs" / "audit.md").read_text(encoding="utf-8")
    for code, rule in RULES.items():
        assert f"| {code} | {rule.name} | {rule.level} |" in page, (
            f"docs/audit.md has no row for {code} ({rule.name}, {rule.level})"
        )
