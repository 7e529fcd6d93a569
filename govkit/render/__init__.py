"""Rendered truth: STATUS.md, cadence packets, handoff notes and the static site (DESIGN.md §6).

Context builders here turn records, decisions, config and the evidence ledger into
plain sorted data; `templating` (Jinja) and `markdown` (markdown-it) are the only
modules that touch those libraries.
"""
