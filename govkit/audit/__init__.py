"""Audit: is every claim backed by real, intact, current evidence? (DESIGN.md §7)."""

from __future__ import annotations

from govkit.audit.findings import RULES, AuditFinding, Rule
from govkit.audit.run import AuditReport, run_audit

__all__ = ["RULES", "AuditFinding", "AuditReport", "Rule", "run_audit"]
