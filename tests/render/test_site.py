"""govkit site: a self-contained static site, checked by parsing and in headless Chromium."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from govkit.cli import cli
from govkit.evidence.record import EvidenceRecord
from govkit.render import site as site_module
from govkit.workspace import Workspace
from tests.render.golden import assert_golden


class Page(HTMLParser):
    """Collects hrefs/srcs, tag counts and text of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: dict[str, int] = {}
        self.classes: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.urls.append(value)
            if name == "class" and value:
                self.classes.extend(value.split())

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def build(ws: Workspace, out: Path) -> str:
    result = CliRunner().invoke(cli, ["-C", str(ws.root), "site", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return result.output


def test_every_page_is_self_contained_and_every_link_resolves(
    harbor: Workspace, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    assert "pages" in build(harbor, out)
    pages = sorted(out.rglob("*.html"))
    assert len(pages) == 1 + 5 + 3 + 15  # index, gates, decisions, runs
    for path in pages:
        page = parse(path)
        assert "script" not in page.tags, path
        for url in page.urls:
            parts = urlsplit(url)
            assert not parts.scheme and not parts.netloc, f"{path}: external URL {url}"
            if url.startswith("#"):
                continue
            target = (path.parent / unquote(parts.path)).resolve()
            assert target.is_file() and target.is_relative_to(out.resolve()), f"{path}: {url}"


def test_status_page_links_into_the_site(
    harbor: Workspace, tmp_path: Path, harbor_runs: dict[str, EvidenceRecord]
) -> None:
    out = tmp_path / "site"
    build(harbor, out)
    index = parse(out / "index.html")
    assert "gates/VG-CORE-001.html" in index.urls
    assert f"runs/{harbor_runs['core-1'].run_id}.html" in index.urls  # cited by R1
    assert "decisions/D-002.html" in index.urls
    assert index.tags["table"] == 11  # status tables, resolved-since, lanes, a second gate table


def test_gate_page_has_charts_with_one_mark_per_run(harbor: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(harbor, out)
    core = (out / "gates" / "VG-CORE-001.html").read_text()
    assert core.count('class="mark outcome-') == 5
    assert core.count('class="mark outcome-fail"') == 1
    assert core.count('class="point"') == 5  # duration chart
    perf = parse(out / "gates" / "VG-PERF-001.html")
    assert perf.classes.count("metric") == 2  # startup_ms, batch_per_s
    docs = (out / "gates" / "VG-DOCS-001.html").read_text()
    assert "0 runs recorded" in docs and "no data" in docs


def test_run_and_decision_pages(
    harbor: Workspace, tmp_path: Path, harbor_runs: dict[str, EvidenceRecord]
) -> None:
    out = tmp_path / "site"
    build(harbor, out)
    rec = harbor_runs["relay-3"]
    run_html = (out / "runs" / f"{rec.run_id}.html").read_text()
    assert rec.logs["stdout"].sha256 in run_html
    assert "8e2b47d1c9a03f5e6b18d72c4a9f0e3b5d61c7a4" in run_html
    assert "VG-RELAY-002: 436 passed" in run_html
    decision = (out / "decisions" / "D-002.html").read_text()
    assert "<h2>Context</h2>" in decision and "<code>govkit safe-run</code>" in decision
    assert "<em>refused</em>" in decision


def test_large_history_is_limited_and_says_so(
    harbor: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(site_module, "EVIDENCE_RUNS", 2)
    monkeypatch.setattr(site_module, "CHART_RUNS", 3)
    out = tmp_path / "site"
    build(harbor, out)
    core = (out / "gates" / "VG-CORE-001.html").read_text()
    assert "Showing the last 2 of 5 runs (charts: the last 3)" in core
    assert core.count('class="mark outcome-') == 3
    assert len(re.findall(r"<tr><td><a href=\"../runs/", core)) == 2


@pytest.mark.slow
def test_rebuild_is_identical_and_removes_stale_pages(harbor: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(harbor, out)
    first = {p: p.read_bytes() for p in out.rglob("*.html")}
    (out / "runs" / "old-run.html").write_text("stale")
    build(harbor, out)
    assert {p: p.read_bytes() for p in out.rglob("*.html")} == first


def test_refuses_to_write_over_the_workspace(harbor: Workspace) -> None:
    result = CliRunner().invoke(cli, ["-C", str(harbor.root), "site", "-o", str(harbor.root)])
    assert result.exit_code == 2 and "would overwrite the workspace" in result.output


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "headless_shell"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _png_pixels(data: bytes) -> tuple[int, int, set[bytes]]:
    """Width, height and the distinct pixels of an 8-bit RGB/RGBA PNG (stdlib only)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    distinct: set[bytes] = set()
    prev = bytearray(stride)
    for y in range(height):
        filt = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if filt == 1:
                line[x] = (line[x] + a) & 0xFF
            elif filt == 2:
                line[x] = (line[x] + b) & 0xFF
            elif filt == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif filt == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        if y % 4 == 0:
            distinct.update(bytes(line[i : i + 3]) for i in range(0, stride, channels * 4))
        prev = line
    return width, height, distinct


@pytest.mark.slow
def test_charts_render_in_headless_chromium(harbor: Workspace, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium not found on PATH (install Debian's chromium; .ci/run does)")
    out = tmp_path / "site"
    build(harbor, out)
    page = (out / "gates" / "VG-CORE-001.html").resolve().as_uri()
    flags = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run(
        [*flags, "--dump-dom", page], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    # The DOM Chromium built (not our file): both charts are there with their marks.
    assert dom.count("<svg") >= 2
    assert len(re.findall(r'<rect class="mark outcome-(pass|fail)"', dom)) == 5
    assert len(re.findall(r'<circle class="point"', dom)) == 5
    assert "<polyline" in dom
    shot = tmp_path / "gate.png"
    subprocess.run(
        [*flags, "--window-size=1000,900", f"--screenshot={shot}", page],
        capture_output=True,
        timeout=120,
        check=True,
    )
    data = shot.read_bytes()
    assert len(data) > 10_000
    width, height, colours = _png_pixels(data)
    assert (width, height) == (1000, 900)
    assert len(colours) > 20  # text, chart lines and coloured marks, not a blank page
    assert bytes.fromhex("2e7d32") in colours  # the pass marks' green was painted


@pytest.mark.slow
def test_golden_site_pages(
    harbor: Workspace, tmp_path: Path, harbor_runs: dict[str, EvidenceRecord]
) -> None:
    out = tmp_path / "site"
    build(harbor, out)
    pages = {
        "site/index.html": out / "index.html",
        "site/gate-VG-CORE-001.html": out / "gates" / "VG-CORE-001.html",
        "site/gate-VG-PERF-001.html": out / "gates" / "VG-PERF-001.html",
        "site/decision-D-002.html": out / "decisions" / "D-002.html",
        "site/run-relay-3.html": out / "runs" / f"{harbor_runs['relay-3'].run_id}.html",
    }
    for name, path in pages.items():
        assert_golden(name, path.read_text(encoding="utf-8"))


def test_a_missing_record_degrades_its_page_not_the_site(
    harbor: Workspace, tmp_path: Path, harbor_runs: dict[str, EvidenceRecord]
) -> None:
    rec = harbor_runs["core-4"]
    (harbor.runs_dir / rec.date / rec.run_id / "record.json").unlink()
    out = tmp_path / "site"
    build(harbor, out)
    page = (out / "runs" / f"{rec.run_id}.html").read_text()
    assert "is missing or unreadable" in page
    core = (out / "gates" / "VG-CORE-001.html").read_text()
    assert core.count('class="mark outcome-') == 5 and core.count('class="point"') == 4


def test_perf_gate_trend_charts_candidate_medians_not_bookkeeping() -> None:
    # The shape govkit.perf writes for a perf gate (see a real VG-PERF run's record.json).
    from govkit.render.site import _numeric
    from tests.render.fixture import make_record_like

    record = make_record_like(
        metrics={
            "baseline": {"tuple": "baseline", "pins": {"core": "a" * 40}},
            "perf": {
                "checksum_ms": {"baseline": [42.0, 41.0, 41.5], "candidate": [43.0, 41.9, 41.6],
                                "direction": "lower", "ratio": 1.017, "regressed": False},
            },
            "rounds": 3,
        }
    )  # fmt: skip
    assert _numeric(record) == {"checksum_ms": 41.9, "checksum_ms ratio to baseline": 1.017}
    assert _numeric(make_record_like(metrics={"startup_ms": 180.0, "ok": True})) == {
        "startup_ms": 180.0
    }
