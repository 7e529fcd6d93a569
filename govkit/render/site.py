"""The static HTML site: status page, a page per gate with SVG charts, decisions, runs.

Self-contained: inline CSS, inline SVG, no script, no network; every link is
relative, so the directory can be opened from disk or served anywhere. On large
workspaces each gate charts its last CHART_RUNS runs and gets pages for its last
EVIDENCE_RUNS runs (plus any run another page cites); the gate page says so.
"""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass
from pathlib import Path

from govkit.decisions import Decision
from govkit.errors import ValidationError
from govkit.evidence.record import EvidenceRecord
from govkit.evidence.store import LedgerEntry
from govkit.ids import id_sort_key
from govkit.render import markdown, svg
from govkit.render.sources import (
    Link,
    Linker,
    Sources,
    claim_text,
    outcome_label,
    short_commit,
    streak_text,
    utc_minute,
)
from govkit.render.status import render_status
from govkit.render.templating import Templates
from govkit.units import format_duration, format_size

CHART_RUNS = 200
EVIDENCE_RUNS = 50


class SiteLinker(Linker):
    """A Linker for one site page that remembers every run it linked."""

    def __init__(self, src: Sources, page_dir: Path, site_root: Path, linked: set[str]) -> None:
        super().__init__(src.ws, page_dir, site_root)
        self.linked = linked

    def run(self, entry: LedgerEntry) -> str:
        self.linked.add(entry.run_id)
        return super().run(entry)


@dataclass(frozen=True)
class RunRow:
    link: Link
    started: str
    outcome: str
    counts: str
    commit: str
    duration: str


@dataclass(frozen=True)
class Chart:
    title: str
    svg: str


@dataclass(frozen=True)
class GatePage:
    id: str
    title: str
    definition: tuple[tuple[str, str], ...]
    total_runs: int
    charted: int
    streak: str
    charts: tuple[Chart, ...]
    runs: tuple[RunRow, ...]
    note: str


@dataclass(frozen=True)
class RunPage:
    run_id: str
    gate: Link
    claim: str
    fields: tuple[tuple[str, str], ...]
    repos: tuple[tuple[str, str, str, str], ...]  # name, commit, ref, url
    files: tuple[tuple[str, str, str, str], ...]  # role, path, sha256, size
    env: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DecisionPage:
    id: str
    title: str
    fields: tuple[tuple[str, str], ...]
    body_html: str


@dataclass(frozen=True)
class SiteResult:
    """What `govkit site` wrote."""

    root: Path
    pages: int
    gates: int
    runs: int
    decisions: int


def _gate_page(src: Sources, gate_id: str, linker: SiteLinker) -> GatePage:
    total = src.runs.count(gate_id)
    history = src.runs.history(gate_id, last=max(CHART_RUNS, EVIDENCE_RUNS))
    gate = src.config.gates.get(gate_id)
    definition: list[tuple[str, str]] = []
    if gate:
        command = gate.shell if gate.shell is not None else " ".join(gate.argv)
        definition = [
            ("title", gate.title),
            ("repos", ", ".join(gate.repos)),
            ("tuple", gate.tuple_name),
            ("command", command),
            ("parser", gate.parser),
            ("timeout", format_duration(gate.timeout)),
            ("heavy", "yes" if gate.heavy else "no"),
            ("weekly", "yes" if gate.weekly else "no"),
            ("definition hash", gate.definition_hash()[:12]),
        ]
    charted = history[-CHART_RUNS:]
    shown = history[-EVIDENCE_RUNS:]
    shown_ids = {e.run_id for e in shown}
    records = {e.run_id: src.record_or_none(e) for e in charted}
    marks = [
        svg.Mark(
            f"{e.run_id} {utc_minute(e.started_at)} {e.outcome}",
            e.outcome,
            linker.run(e) if e.run_id in shown_ids else None,
        )
        for e in charted
    ]
    labels = [utc_minute(e.started_at) for e in charted]
    charts = [
        Chart("Outcome per run", svg.outcome_timeline(marks, title=f"{gate_id} outcomes")),
        Chart(
            "Duration per run",
            svg.line_chart(
                [_duration(records[e.run_id]) for e in charted],
                labels,
                title=f"{gate_id} duration",
                unit="s",
                css="duration",
            ),
        ),
    ]
    for name in sorted({k for r in records.values() if r for k in _numeric(r)}):
        charts.append(
            Chart(
                f"Metric {name}",
                svg.line_chart(
                    [_numeric(records[e.run_id]).get(name) for e in charted],
                    labels,
                    title=f"{gate_id} {name}",
                    unit="",
                    css="metric",
                ),
            )
        )
    # As in STATUS.md: the streak is on the latest claim-grade run's tuple.
    count = streak_text(src, src.runs.latest(gate_id, claim_grade=True))
    rows = [
        RunRow(
            Link(e.run_id, linker.run(e)),
            utc_minute(e.started_at),
            outcome_label(e),
            c.summary() if (c := e.test_counts()) else "—",
            short_commit(e, src.config),
            format_duration(_duration(records.get(e.run_id))),
        )
        for e in reversed(shown)
    ]
    note = ""
    if total > len(shown):
        note = (
            f"Showing the last {len(shown)} of {total} runs "
            f"(charts: the last {len(charted)}); `govkit evidence list` has them all."
        )
    return GatePage(
        gate_id,
        gate.title if gate else "(not in govkit.yaml)",
        tuple(definition),
        total,
        len(charted),
        count,
        tuple(charts),
        tuple(rows),
        note,
    )


def _duration(record: EvidenceRecord | None) -> float | None:
    return record.duration_s if record else None


def _numeric(record: EvidenceRecord | None) -> dict[str, float]:
    """The metrics worth a trend line: a perf gate's candidate medians and ratios
    (not its bookkeeping such as `rounds`), or a plain metrics gate's numbers."""
    metrics = (record.metrics if record else None) or {}
    perf = metrics.get("perf")
    if isinstance(perf, dict):
        out: dict[str, float] = {}
        for name, m in perf.items():
            if not isinstance(m, dict):
                continue
            samples = [v for v in m.get("candidate", []) if isinstance(v, int | float)]
            if samples:
                out[name] = float(statistics.median(samples))
            if isinstance(m.get("ratio"), int | float):
                out[f"{name} ratio to baseline"] = float(m["ratio"])
        return out
    return {
        k: float(v)
        for k, v in metrics.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def _run_page(src: Sources, entry: LedgerEntry, linker: Linker) -> RunPage:
    rec = src.record_or_none(entry)
    if rec is None:
        return RunPage(
            entry.run_id,
            Link(entry.gate_id, linker.gate(entry.gate_id) or ""),
            claim_text(entry),
            (
                ("outcome", entry.outcome),
                ("started (UTC)", entry.started_at),
                ("record", f"evidence/{entry.record} is missing or unreadable (see govkit audit)"),
            ),
            tuple((name, sha, "", "") for name, sha in sorted(entry.pins.items())),
            (),
            (),
        )
    counts = rec.counts
    fields = [
        ("gate", rec.gate_id),
        ("outcome", rec.outcome.value),
        (
            "claim-grade",
            "yes" if rec.claim_grade else "no: " + "; ".join(rec.not_claim_grade_because),
        ),
        ("tuple", rec.tuple_name or "—"),
        ("source", rec.source),
        ("started (UTC)", rec.started_at),
        ("ended (UTC)", rec.ended_at),
        ("duration", format_duration(rec.duration_s)),
        ("command", " ".join(rec.argv)),
        ("cwd", rec.cwd),
        ("exit code", "—" if rec.exit_code is None else str(rec.exit_code)),
        ("counts", counts.summary() if counts else "—"),
        ("peak RSS", format_size(rec.peak_rss_bytes) if rec.peak_rss_bytes else "—"),
        ("gate hash", rec.gate_hash or "—"),
        ("govkit", rec.govkit_version or "—"),
        ("record", f"evidence/{entry.record}"),
    ]
    if rec.signer:
        fields.append(("signed by", f"{rec.signer.get('principal')} ({rec.signer.get('key')})"))
    if rec.metrics:
        fields += [(f"metric {k}", str(v)) for k, v in sorted(_numeric(rec).items())]
    if rec.message:
        fields.append(("message", rec.message))
    files = [(role, d.path, d.sha256, format_size(d.size)) for role, d in sorted(rec.logs.items())]
    files += [("artifact", d.path, d.sha256, format_size(d.size)) for d in rec.artifacts]
    return RunPage(
        rec.run_id,
        Link(rec.gate_id, linker.gate(rec.gate_id) or ""),
        claim_text(entry),
        tuple(fields),
        tuple((p.name, p.commit, p.ref, p.url) for p in rec.repos),
        tuple(files),
        tuple(sorted(rec.env.items())) + tuple((n, "(redacted)") for n in sorted(rec.env_redacted)),
    )


def _decision_page(d: Decision) -> DecisionPage:
    fields = [("status", d.status), ("date", d.date or "—")]
    if d.deciders:
        fields.append(("deciders", ", ".join(d.deciders)))
    if d.tags:
        fields.append(("tags", ", ".join(d.tags)))
    if d.supersedes:
        fields.append(("supersedes", ", ".join(d.supersedes)))
    if d.superseded_by:
        fields.append(("superseded by", ", ".join(d.superseded_by)))
    return DecisionPage(d.id, d.title, tuple(fields), markdown.to_html(d.body))


def _write_page(path: Path, text: str) -> None:
    """Replace a page by rename (never half-written), skipping unchanged ones.

    No fsync: the site is regenerated output, and a thousand fsyncs cost seconds.
    """
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def build_site(src: Sources, out: Path, *, as_of: str | None = None) -> SiteResult:
    """Write the whole site into `out` (created; stale pages of ours removed)."""
    out = out.resolve()
    if out == src.ws.root.resolve() or src.ws.root.resolve().is_relative_to(out):
        raise ValidationError(f"{out} would overwrite the workspace", hint="choose a new directory")
    ws = src.ws
    for managed in (
        ws.records_dir,
        ws.decisions_dir,
        ws.evidence_dir,
        ws.state_dir,
        ws.templates_dir,
    ):
        # Pages among records, decisions or evidence would be read as (or hide among) them.
        if out.is_relative_to(managed.resolve()):
            raise ValidationError(
                f"{out} is inside {ws.rel(managed)}/, which govkit manages",
                hint="choose a directory of its own, e.g. site/",
            )
    templates = Templates(src.ws.templates_dir)
    linked: set[str] = set()
    written: set[Path] = set()

    def page(rel: str, template: str, title: str, **ctx: object) -> None:
        path = out / rel
        depth = rel.count("/")
        html = templates.render(
            template, {"title": title, "program": src.config.program, "root": "../" * depth, **ctx}
        )
        _write_page(path, html)
        written.add(path)

    index_linker = SiteLinker(src, out, out, linked)
    status_md = render_status(src, out / "index.html", as_of=as_of, linker=index_linker)
    page("index.html", "site/index.html.j2", "Status", body_html=markdown.to_html(status_md))
    gate_ids = sorted(set(src.config.gates) | src.runs.gates(), key=id_sort_key)
    for gid in gate_ids:
        linker = SiteLinker(src, out / "gates", out, linked)
        page(f"gates/{gid}.html", "site/gate.html.j2", gid, g=_gate_page(src, gid, linker))
    for d in src.decisions:
        page(f"decisions/{d.id}.html", "site/decision.html.j2", d.id, d=_decision_page(d))
    run_linker = Linker(src.ws, out / "runs", out)
    for run_id in sorted(linked):
        entry = src.runs.get(run_id)
        assert entry is not None  # linked pages only name runs of this ledger
        page(f"runs/{run_id}.html", "site/run.html.j2", run_id, r=_run_page(src, entry, run_linker))
    for sub in ("gates", "decisions", "runs"):
        for stale in (out / sub).glob("*.html") if (out / sub).is_dir() else ():
            if stale not in written:
                stale.unlink()
    return SiteResult(out, len(written), len(gate_ids), len(linked), len(src.decisions))
