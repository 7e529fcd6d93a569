"""Decision lifecycle: placeholders, numbering at acceptance, references, supersession."""

from __future__ import annotations

import functools
import json

import pytest
from click.testing import CliRunner

from govkit import decisions as dec
from govkit.errors import ConflictError, NotFound, TransitionError, ValidationError
from govkit.records import ops, store
from govkit.workspace import Workspace
from tests.helpers import invoke


def test_new_is_proposed_with_placeholder(ws: Workspace) -> None:
    d = dec.new_decision(ws, "Clean-clone tuple policy!", context="Dirty trees lie.", tags=("ci",))
    assert (d.id, d.slug, d.status) == (
        "proposed-clean-clone-tuple-policy",
        "clean-clone-tuple-policy",
        "proposed",
    )
    assert d.path == ws.decisions_dir / "proposed-clean-clone-tuple-policy.md"
    assert d.section("Context") == "Dirty trees lie."
    assert d.tags == ("ci",)


def test_slugify() -> None:
    assert dec.slugify("Clean-clone tuple policy!") == "clean-clone-tuple-policy"
    long = dec.slugify("One file per record: YAML for humans, JSON for machine evidence")
    assert long == "one-file-per-record-yaml-for-humans-json-for"
    assert len(dec.slugify("x" * 100)) == 48
    assert dec.slugify("¿¿¿") == "decision"


def test_same_slug_gets_suffix(ws: Workspace) -> None:
    a = dec.new_decision(ws, "Lock writes")
    b = dec.new_decision(ws, "Lock writes")
    c = dec.new_decision(ws, "lock  writes")
    assert [a.slug, b.slug, c.slug] == ["lock-writes", "lock-writes-2", "lock-writes-3"]
    d = dec.new_decision(ws, "Something long", slug="lock-writes")
    assert d.slug == "lock-writes-4"
    with pytest.raises(ValidationError, match="not a slug"):
        dec.new_decision(ws, "x", slug="Bad Slug/..")


def test_accept_numbers_after_every_file(ws: Workspace) -> None:
    # A numbered file that does not even parse still reserves its number.
    (ws.decisions_dir / "D-004-broken.md").write_text("---\nid: [\n---\n")
    (ws.decisions_dir / "D-002-old.md").write_text(
        "---\nid: D-002\ntitle: Old\nstatus: accepted\n---\n"
    )
    d = dec.new_decision(ws, "Atomic writes")
    accepted = dec.accept_decision(ws, "atomic")
    assert accepted.id == "D-005"
    assert accepted.path == ws.decisions_dir / "D-005-atomic-writes.md"
    assert not (ws.decisions_dir / "proposed-atomic-writes.md").exists()
    assert accepted.status == "accepted"
    assert accepted.body.startswith("# D-005: Atomic writes")
    assert d.id not in accepted.path.read_text()


def test_accept_with_given_id_and_conflict(ws: Workspace) -> None:
    dec.new_decision(ws, "One")
    dec.new_decision(ws, "Two")
    assert dec.accept_decision(ws, "one", decision_id="D-017").id == "D-017"
    with pytest.raises(ConflictError, match="D-017 is already taken"):
        dec.accept_decision(ws, "two", decision_id="D-017")
    with pytest.raises(ValidationError):
        dec.accept_decision(ws, "two", decision_id="D-17/x")
    assert dec.accept_decision(ws, "two").id == "D-018"
    with pytest.raises(TransitionError, match="cannot move D-018 from accepted to accepted"):
        dec.accept_decision(ws, "D-018")


def test_accept_rewrites_references(ws: Workspace) -> None:
    old = dec.new_decision(ws, "Old way")
    dec.accept_decision(ws, old.slug)
    new = dec.new_decision(ws, "New way")
    other = dec.new_decision(ws, "New way")  # proposed-new-way-2 must be left alone
    # Another decision and a record mention the placeholder before acceptance.
    note = ws.decisions_dir / "D-001-old-way.md"
    note.write_text(
        note.read_text().replace("superseded_by: []", f"superseded_by: [{new.id}]")
        + f"\nSee {new.id} ({new.id}.md) but not {other.id}.\n"
    )
    ops.add_record(ws, "milestone", "M1", {"notes": f"decided in {new.id}"})
    accepted = dec.accept_decision(ws, "new-way")
    assert accepted.id == "D-002"
    text = note.read_text()
    assert "superseded_by: [D-002]" in text
    assert "See D-002 (D-002-new-way.md) but not proposed-new-way-2." in text
    assert store.load_record(ws, "milestone", "M1").notes == "decided in D-002"  # type: ignore[attr-defined]


def test_refs(ws: Workspace) -> None:
    dec.new_decision(ws, "Alpha one")
    dec.new_decision(ws, "Alpha two")
    dec.accept_decision(ws, "alpha-two")
    assert dec.find_decision(ws, "D-001").slug == "alpha-two"
    assert dec.find_decision(ws, "D-1").slug == "alpha-two"
    assert dec.find_decision(ws, "proposed-alpha-one").slug == "alpha-one"
    assert dec.find_decision(ws, "alpha-o").slug == "alpha-one"
    with pytest.raises(ConflictError, match="ambiguous"):
        dec.find_decision(ws, "alpha")
    with pytest.raises(NotFound):
        dec.find_decision(ws, "beta")


def test_reject_deprecate_and_final_states(ws: Workspace) -> None:
    dec.new_decision(ws, "Maybe")
    assert dec.reject_decision(ws, "maybe").status == "rejected"
    with pytest.raises(TransitionError, match="rejected is final"):
        dec.accept_decision(ws, "maybe")
    dec.new_decision(ws, "Sure")
    dec.accept_decision(ws, "sure")
    fresh = dec.new_decision(ws, "Fresh")
    with pytest.raises(TransitionError, match="allowed: accepted, rejected"):
        dec.deprecate_decision(ws, fresh.id)
    assert dec.deprecate_decision(ws, "sure").status == "deprecated"


def test_supersede_writes_both_sides(ws: Workspace) -> None:
    dec.new_decision(ws, "Old")
    dec.accept_decision(ws, "old")
    dec.new_decision(ws, "New")
    with pytest.raises(TransitionError, match="only an accepted decision"):
        dec.supersede_decision(ws, "D-001", "new")
    dec.accept_decision(ws, "new")
    old, new = dec.supersede_decision(ws, "D-001", "D-002")
    assert (old.status, old.superseded_by) == ("superseded", ("D-002",))
    assert new.supersedes == ("D-001",) and new.status == "accepted"
    with pytest.raises(TransitionError, match="superseded is final"):
        dec.supersede_decision(ws, "D-001", "D-002")
    with pytest.raises(ValidationError, match="itself"):
        dec.supersede_decision(ws, "D-002", "D-002")


def test_malformed_front_matter_reports_file_line(ws: Workspace) -> None:
    path = ws.decisions_dir / "D-001-x.md"
    path.write_text("---\nid: D-001\ntitle: [open\nstatus: accepted\n---\nbody\n")
    with pytest.raises(ValidationError) as info:
        dec.load_decisions(ws)
    assert info.value.path == path
    assert info.value.line is not None and info.value.line >= 3


def test_notes_are_not_decisions(ws: Workspace) -> None:
    (ws.decisions_dir / "README.md").write_text("# Decisions\n")
    (ws.decisions_dir / "index.md").write_text("notes\n")
    assert dec.load_decisions(ws) == []


def test_cli_decision_flow(runner: CliRunner, ws: Workspace) -> None:
    gk = functools.partial(invoke, runner, ws)

    code, out = gk("decision", "new", "Lazy CLI", "--decision", "Import on demand", "--tags", "a,b")
    assert code == 0 and "proposed-lazy-cli" in out
    assert gk("decision", "accept", "lazy")[0] == 0
    code, out = gk("decision", "show", "D-001", "--json")
    data = json.loads(out)
    assert data["decision"] == "Import on demand" and data["tags"] == ["a", "b"]
    code, out = gk("decision", "new", "Faster CLI")
    gk("decision", "accept", "faster-cli", "--id", "D-010")
    assert gk("decision", "supersede", "D-001", "--by", "D-010")[0] == 0
    code, out = gk("decision", "list", "--status", "superseded", "--json")
    assert [d["id"] for d in json.loads(out)] == ["D-001"]
    code, out = gk("decision", "list")
    assert "D-010  accepted" in out
    code, out = gk("decision", "accept", "D-001")
    assert code == 2 and "superseded is final" in out
    code, out = gk("decision", "show", "faster")
    assert "D-010: Faster CLI" in out and "supersedes: D-001" in out
