"""Audit output: text for people, JSON for scripts, SARIF 2.1.0 for code-scanning tools."""

from __future__ import annotations

from typing import Any

from govkit import __version__
from govkit.audit.findings import RULES
from govkit.audit.run import AuditReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def to_text(report: AuditReport) -> str:
    """One 'path:line[:column]: level CODE name: message' line per finding, a fix, a summary."""
    lines = []
    for f in report.findings:
        where = f"{f.path}:{f.line}" if f.line else f.path
        if f.line and f.column:
            where += f":{f.column}"
        lines.append(f"{where}: {f.level} {f.code} {f.rule.name}: {f.message}")
        lines.append(f"    fix: {f.hint}")
    since = f"; append-only since {report.since}" if report.since else ""
    lines.append(
        f"audit: {report.errors} error(s), {report.warnings} warning(s); "
        f"{report.runs} run(s), {len(report.documents)} document(s) checked{since}"
    )
    return "\n".join(lines) + "\n"


def to_json(report: AuditReport) -> dict[str, Any]:
    """The report as plain JSON data."""
    return {
        "findings": [
            {
                "code": f.code,
                "name": f.rule.name,
                "level": f.level,
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "message": f.message,
                "hint": f.hint,
            }
            for f in report.findings
        ],
        "errors": report.errors,
        "warnings": report.warnings,
        "runs": report.runs,
        "documents": list(report.documents),
        "strict": report.strict,
        "since": report.since,
    }


def to_sarif(report: AuditReport) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run: every rule, then one result per finding."""
    codes = sorted(RULES)
    rules = [
        {
            "id": code,
            "name": RULES[code].name,
            "shortDescription": {"text": RULES[code].summary},
            "help": {"text": RULES[code].hint},
            "defaultConfiguration": {"level": RULES[code].level},
        }
        for code in codes
    ]
    results = []
    for f in report.findings:
        location: dict[str, Any] = {"artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"}}
        if f.line:
            location["region"] = {"startLine": f.line}
            if f.column:
                location["region"]["startColumn"] = f.column
        results.append(
            {
                "ruleId": f.code,
                "ruleIndex": codes.index(f.code),
                "level": f.level,
                "message": {"text": f"{f.message} (fix: {f.hint})"},
                "locations": [{"physicalLocation": location}],
            }
        )
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "govkit",
                        "version": __version__,
                        "informationUri": "https://github.com/govkit/govkit",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
