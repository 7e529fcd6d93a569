"""Small inline SVG charts for the static site: no library, no script, no network."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

COLOURS = {
    "pass": "#2e7d32",
    "fail": "#c62828",
    "timeout": "#ef6c00",
    "oom": "#6a1b9a",
    "error": "#616161",
    "refused": "#9e9e9e",
    "interrupted": "#455a64",
}
HEIGHT = 160
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 56, 12, 14, 30


@dataclass(frozen=True)
class Mark:
    """One run on the outcome timeline."""

    label: str  # tooltip: run id, time, outcome
    outcome: str
    href: str | None  # the run's page, when the site has one


def outcome_timeline(marks: Sequence[Mark], *, title: str) -> str:
    """One coloured bar per run, oldest left; fail-like outcomes drawn full height."""
    step = 10 if len(marks) <= 80 else max(3, 800 // max(len(marks), 1))
    width = max(320, PAD_LEFT + PAD_RIGHT + step * len(marks))
    parts = [_open(width, 70, title, "outcome-timeline")]
    for i, m in enumerate(marks):
        x = PAD_LEFT + i * step
        tall = m.outcome != "pass"
        y, h = (14, 40) if tall else (24, 30)
        rect = (
            f'<rect class="mark outcome-{escape(m.outcome)}" x="{x}" y="{y}" '
            f'width="{max(step - 2, 1)}" height="{h}" fill="{COLOURS.get(m.outcome, "#000")}">'
            f"<title>{escape(m.label)}</title></rect>"
        )
        parts.append(f'<a href="{escape(m.href)}">{rect}</a>' if m.href else rect)
    parts.append(
        f'<text x="{PAD_LEFT}" y="68" class="axis">oldest</text>'
        f'<text x="{width - PAD_RIGHT}" y="68" class="axis" text-anchor="end">newest</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    values: Sequence[float | None], labels: Sequence[str], *, title: str, unit: str, css: str
) -> str:
    """A line through the values (gaps where a run has none), with min/max on the y axis."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    width = max(320, PAD_LEFT + PAD_RIGHT + 10 * len(values))
    parts = [_open(width, HEIGHT, title, css)]
    if not points:
        parts.append(f'<text x="{PAD_LEFT}" y="40" class="axis">no data</text></svg>')
        return "".join(parts)
    lo = min(v for _, v in points)
    hi = max(v for _, v in points)
    span = (hi - lo) or abs(hi) or 1.0
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    plot_w = width - PAD_LEFT - PAD_RIGHT
    n = max(len(values) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = PAD_LEFT + plot_w * (i / n if len(values) > 1 else 0.5)
        y = PAD_TOP + plot_h * (1 - (v - lo) / span) if hi != lo else PAD_TOP + plot_h / 2
        return round(x, 1), round(y, 1)

    coords = [xy(i, v) for i, v in points]
    parts.append(
        f'<line class="axis-line" x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" '
        f'y2="{HEIGHT - PAD_BOTTOM}" stroke="#999"/>'
        f'<text class="axis" x="{PAD_LEFT - 4}" y="{PAD_TOP + 4}" text-anchor="end">'
        f"{_num(hi)}{escape(unit)}</text>"
        f'<text class="axis" x="{PAD_LEFT - 4}" y="{HEIGHT - PAD_BOTTOM}" text-anchor="end">'
        f"{_num(lo)}{escape(unit)}</text>"
    )
    path = " ".join(f"{x},{y}" for x, y in coords)
    parts.append(
        f'<polyline class="trend" fill="none" stroke="#1565c0" stroke-width="2" points="{path}"/>'
    )
    for (i, v), (x, y) in zip(points, coords, strict=True):
        parts.append(
            f'<circle class="point" cx="{x}" cy="{y}" r="3" fill="#1565c0">'
            f"<title>{escape(labels[i])}: {_num(v)}{escape(unit)}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _num(v: float) -> str:
    return f"{v:.4g}"


def _open(width: int, height: int, title: str, css: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )
