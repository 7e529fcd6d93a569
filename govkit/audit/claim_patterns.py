"""What a claim looks like in prose and in inline code (D-015, docs/audit-claims.md).

Pure text matching, no workspace: `find_claims` turns one piece of plain text
into the claims it makes, each with a kind that says how it is checked against
the runs it cites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COUNT = "count"  # "936 passed, 2 failed": numbers compared with the recomputed counts
PASS = "pass"  # "tests pass", "all checks green", "full pass": the cited run must have passed
FAIL = "fail"  # "no longer passes", "over budget": a report of failure, anchored but not refuted
STREAK = "streak"  # "3/3 green", "3 consecutive green runs": compared with the ledger
OTHER = "other"  # "12% faster": needs an anchor, nothing more to compare

# Gate ids: two or more dash-joined parts ("VG-LA-002"); "M1-T05" and "D-014" are not gates.
GATE = r"(?-i:[A-Z][A-Z0-9]*(?:-[A-Z0-9]+){2,})"
# A gate id named on its own, not a piece of a run id or a longer name
# ("20261120T080000Z-VG-LA-002-3f9a", "M1-T04-VG-LA-002-r2.txt").
GATE_ID = re.compile(rf"(?<![\w.-]){GATE}(?![\w-])")
_WORD_NUMBERS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
}
_NUM = r"(?:\d+|" + "|".join(_WORD_NUMBERS) + ")"
_OUTCOME_NOUN = (
    r"(?:suites?|gates?|tests?|checks?|builds?|runs?|reruns?|snapshots?|jobs?|pipelines?"
    r"|matrix|artifacts?|CI)"
)
# What "passing …"/"failing …" must end in to be a result ("passing efficacy suite", not
# "passing run": a run is what evidence is, the phrase describes it).
_ADJ_NOUN = r"(?:suites?|gates?|checks?|builds?|snapshots?|matrix|pipelines?|artifacts?|CI)"
_NEG = (
    r"(?:not|no\s+longer|never|isn[’']t|aren[’']t|wasn[’']t|doesn[’']t|don[’']t|didn[’']t"
    r"|does\s+not|do\s+not|did\s+not|is\s+not|are\s+not|was\s+not|cannot|can[’']t)"
)

_SUBJECT = rf"tests?|suites?|gates?|checks?|builds?|CI|matrix|pipelines?|{GATE}"
# An adjective phrase after an article describes a kind of thing, not a result:
# "cite a passing run", "a developer's failing check".
_GENERIC_BEFORE = re.compile(
    r"\b(?:a|an|any|each|every|some|another|per|whichever)\s+(?:[\w'’-]+\s+)?$", re.IGNORECASE
)

# (kind, pattern) — case-insensitive, matched on plain text with quoted phrases blanked.
_PATTERNS: list[tuple[str, str]] = [
    # Fractions and streaks: "3/3 green", "12/12 passing", "3 of 3 runs green",
    # "3 consecutive green snapshots", "three consecutive passes".
    (
        STREAK,
        r"(?<![\w/.-])(?P<k>\d+)\s*(?:/|\bof\b|\bout\s+of\b)\s*(?P<n>\d+)\s+"
        r"(?:(?:\w+\s+){0,2}?(?:runs?|snapshots?|reruns?)\s+)?"
        r"(?P<o>green|pass(?:ed|es|ing)?|ok|clean|successful|red|fail(?:ed|ing|s)?)\b",
    ),
    (
        STREAK,
        rf"\b(?P<k>{_NUM})\s+(?:straight|consecutive|successive|back-to-back|in\s+a\s+row)\s+"
        r"(?:(?P<o>green|passing|clean|successful|claim-grade|red|failing|failed)\s+)?"
        r"(?:(?:claim-grade|clean-clone|full-suite|gate|seam)\s+)*"
        r"(?P<noun>runs?|snapshots?|reruns?|passes|builds?|failures?|executions?)\b",
    ),
    # Counts: the lookbehind keeps an id's digits out ("VG-LA-002 passed" is not "2 passed").
    (
        COUNT,
        r"(?<![\w.-])\d[\d,]*\s+(?:tests?\s+)?(?:passed|failed|skipped|xfailed|xpassed|failures?|errors?)\b",
    ),
    # Negations and failure states: reports, but still claims that need an anchor.
    (
        FAIL,
        rf"\b(?:{_SUBJECT})\s+(?:(?:is|are|was|were)\s+)?{_NEG}\s+(?:yet\s+|fully\s+|all\s+)?"
        r"(?:pass(?:es|ed|ing)?|green)\b",
    ),
    (FAIL, r"\bno\s+longer\s+(?:pass(?:es|ing)?|green)\b"),
    (FAIL, r"\bnot\s+(?:a\s+)?full(?:-|\s+)pass\b|\bnot\s+all\s+(?:\w+\s+){0,2}?green\b"),
    (FAIL, rf"\b{_NEG}\s+(?:within|under)\s+(?:the\s+)?(?:\w+\s+)?budgets?\b"),
    (FAIL, r"\b(?:now|still|again)\s+(?:fail(?:s|ing)?|red|broken)\b"),
    (FAIL, rf"\bfailing\s+(?:[\w+/.-]+\s+){{0,3}}?{_ADJ_NOUN}\b"),
    (
        FAIL,
        r"\b(?:tests?|suites?|gates?|checks?|builds?|CI)\s+(?:is\s+|are\s+|was\s+|were\s+)?"
        r"(?:still\s+|now\s+)?(?:fail(?:s|ed|ing)?|red|broken)\b",
    ),
    (
        FAIL,
        r"\b(?:over|above|exceeds?|exceeded|outside|blew|blows)\s+(?:the\s+)?(?:\w+\s+)?budgets?\b",
    ),
    (
        FAIL,
        rf"\b{GATE}(?:\s*:\s*|\s+(?:is\s+|was\s+)?(?:now\s+|still\s+|again\s+)?)(?:fail(?:s|ed|ing)?|red)\b",
    ),
    # Success.
    (
        PASS,
        r"\b(?:all\s+)?(?:unit\s+|integration\s+)?tests?\s+(?:are\s+|now\s+|still\s+)*pass(?:es|ed|ing)?\b",
    ),
    (
        PASS,
        r"(?:\b(?:CI|everything|the\s+build|the\s+suite|the\s+gate)\s+)?"
        r"\b(?:all|is|are|now|stays?|remains?|was|were|fully|back\s+to)\s+green\b",
    ),
    (
        PASS,
        rf"\ball\s+(?:\w+\s+){{0,2}}?{_OUTCOME_NOUN}\s+(?:are\s+|now\s+|were\s+)?(?:green|passing|pass(?:ed)?)\b",
    ),
    (PASS, r"\bnow\s+pass(?:es|ing)?\b"),
    (PASS, r"\bfull(?:-|\s+)pass(?:es)?\b"),
    (PASS, rf"\b(?:passing|green)\s+(?:[\w+/.-]+\s+){{0,3}}?{_ADJ_NOUN}\b"),
    (PASS, r"\bpassed\s+(?:[\w+/.-]+\s+){0,4}?(?:gates?|suites?|checks?)\b"),
    (PASS, r"\b(?:gates?|suites?|checks?|builds?)\s+(?:all\s+|now\s+)?pass(?:es|ed|ing)?\b"),
    (PASS, r"\bCI\s+(?:is\s+)?(?:passing|passes|passed)\b"),
    (PASS, r"\bfully\s+(?:validated|verified|tested)\b"),
    (PASS, r"\b(?:no|zero)\s+(?:test\s+)?failures\b"),
    (
        PASS,
        r"\b(?:within|under)\s+(?:the\s+)?(?:perf(?:ormance)?\s+|memory\s+|time\s+|latency\s+|size\s+|\w+\s+)?budgets?\b",
    ),
    (
        PASS,
        r"\bno\s+(?:(?:>|&gt;|≥|>=)?\s*\d+(?:\.\d+)?\s*%\s+|measurable\s+|significant\s+|notable\s+|new\s+)*"
        r"(?:perf(?:ormance)?\s+|throughput\s+|latency\s+)?regressions?\b",
    ),
    (
        PASS,
        rf"\b{GATE}(?:\s*:\s*|\s+(?:is\s+|was\s+)?(?:now\s+|still\s+|again\s+|back\s+)?)(?:pass(?:es|ed|ing)?|green)\b",
    ),
    (OTHER, r"\b\d+(?:\.\d+)?\s*%\s+(?:faster|slower|quicker|improvement|regression|speed-?up)\b"),
    (OTHER, r"\bregressed\s+(?:by\s+)?\d+(?:\.\d+)?\s*%"),
]
_PRIORITY = {STREAK: 0, COUNT: 1, FAIL: 2, PASS: 3, OTHER: 4}
# Every claim phrase in one pattern (group names dropped), for quick scans and tests.
CLAIM_RE = re.compile(
    "|".join(f"(?:{re.sub(r'[(][?]P<[a-z]+>', '(?:', p)})" for _, p in _PATTERNS), re.IGNORECASE
)
_COMPILED = [(kind, re.compile(p, re.IGNORECASE)) for kind, p in _PATTERNS]

COUNT_RE = re.compile(
    r"(?<![\w.-])(\d[\d,]*)\s+(?:tests?\s+)?(passed|failed|skipped|xfailed|xpassed|failures?|errors?)\b",
    re.IGNORECASE,
)
LABEL = {
    "passed": "passed",
    "failed": "failed",
    "failure": "failed",
    "failures": "failed",
    "skipped": "skipped",
    "xfailed": "xfailed",
    "xpassed": "xpassed",
    "error": "errors",
    "errors": "errors",
}
# Several counts joined by commas, semicolons or "and" are one claim about one run.
_COUNT_JOIN = re.compile(r"\s*(?:,|;|&|\band\b|\bwith\b)?\s*", re.IGNORECASE)

# Conditions and requirements are not results: "if tests pass", "promote after three
# consecutive green runs", "the gate needs 900 passed". Looked for in the claim's clause.
_CONDITION = re.compile(
    r"\b(?:if|when|whenever|once|until|unless|whether|must|should|would|could|will|shall"
    r"|requires?|required|requiring|needs?|needed|expects?|expected|aims?\s+for|target"
    r"|check\s+that|checks\s+that|verify|verifies|ensure|ensures|make\s+sure|confirm\s+that"
    r"|to\s+see\s+(?:if|whether))\b"
    r"(?:\W+\w+){0,5}\W*$",
    re.IGNORECASE,
)
_RULE_PREFIX = re.compile(r"\b(?:after|before|of\s+at\s+least|at\s+least)\s+$", re.IGNORECASE)
_REQUIRED_AFTER = re.compile(
    r"\s*(?:(?:are|is|will\s+be|must\s+be|were)\s+)?(?:required|needed|necessary|must|should"
    r"|before\s+(?:promotion|promoting|we\s+promote)|to\s+promote)\b",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.;:!?()\[\],]|—|\s-\s")

# A phrase in double quotes is mentioned, not claimed: 'statements like “tests pass”'.
QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")

# Inline code that reads as a result (D-015): an optional gate id, then counts,
# an outcome, an exit status or a fraction, and nothing else.
_CODE_COUNT = (
    r"\d[\d,]*\s+(?:tests?\s+)?(?:passed|failed|skipped|xfailed|xpassed|deselected|warnings?"
    r"|failures?|errors?)"
)
_CODE_RESULT = re.compile(
    r"(?:"
    rf"(?:{GATE}\s*(?::|=|-|—|–)?\s*)?"
    r"(?:"
    rf"{_CODE_COUNT}(?:\s*(?:,|;|and)\s*{_CODE_COUNT})*(?:\s+in\s+[\d.]+\s*(?:s|ms|sec|seconds|min)?)?"
    r"|(?P<exit>(?:exit(?:ed)?(?:\s+(?:code|status))?|rc|returncode)\s*[=:]?\s*(?P<code>\d+))"
    r"|\d+\s*/\s*\d+\s+(?:green|pass(?:ed|ing)?|ok|runs?\s+green)"
    r")"
    rf"|{GATE}\s*(?::|=|-|—|–)?\s*(?P<outcome>pass(?:ed|es|ing)?|green|ok|fail(?:ed|s|ing)?|red|timeout|oom)"
    r")(?:\s*\([^()]*\))?",
    re.IGNORECASE,
)
_CODE_GATE = re.compile(rf"{GATE}(?:/\d+)*")
_CODE_TRIM = " \t=*-#[]."
# Program output quoted in prose: "`pytest -q` prints `5 passed`", "a line like `exit 0`".
_QUOTING = re.compile(
    r"(?:\bprints?|\bprinted|\boutputs?|\bemits?|\bemitted|\becho(?:es|ed)?|\bwrites?|\bwrote"
    r"|\bdisplays?|\bdisplayed|\blogs?|\blogged|\bsays|\bsaid|\breads|\bends?\s+with"
    r"|\blooks?\s+like|\blike|\bsuch\s+as|\be\.g\.|\bfor\s+example|\bas\s+in|\bgreps?\s+for"
    r"|\bmatch(?:es|ed)?|\bexpects?|\bexpected|\bstring|\bpattern|\bregex|\bsummary\s+line"
    r"|\bthe\s+line|\bshape|\bform)\s*[:,]?\s*(?:the\s+|a\s+)?(?:line\s+|text\s+|output\s+)?$",
    re.IGNORECASE,
)
# Table columns that state conditions, plans or rules rather than results.
CONDITION_COLUMN = re.compile(
    r"\b(?:exit\s+conditions?|conditions?|criteria|criterion|goals?|targets?|plans?|next"
    r"|expected|requirements?|rules?|policy|policies|when)\b",
    re.IGNORECASE,
)
# A run id written out ("run 20261121T044500.123Z-VG-LA-002-3f9a0c1d2e4b", or the older
# second-resolution form without ".123") cites that run like `run:<id>`.
RUN_ID = re.compile(
    r"(?<![\w/.-])\d{8}T\d{6}(?:\.\d{3})?Z-[A-Za-z0-9][A-Za-z0-9._-]*-[0-9a-f]{4,}(?![\w/-])"
)
BARE_CELL = {
    "pass": PASS,
    "passed": PASS,
    "passing": PASS,
    "green": PASS,
    "✅": PASS,
    "fail": FAIL,
    "failed": FAIL,
    "failing": FAIL,
    "red": FAIL,
    "❌": FAIL,
}


@dataclass(frozen=True)
class Claim:
    """One claim: its kind, where it is in the text, and what it says."""

    kind: str
    start: int
    end: int
    said: str
    numbers: tuple[tuple[int, str], ...] = ()  # (number, Counts field) for COUNT
    streak: tuple[int, int, bool] | None = None  # (passes, out of, about passes) for STREAK

    @property
    def asserts_pass(self) -> bool:
        """Does the claim say the cited run passed (so a failing run refutes it)?"""
        if self.kind == PASS:
            return True
        if self.kind == COUNT:
            return not any(f in ("failed", "errors") and n > 0 for n, f in self.numbers)
        return False


def number(word: str) -> int:
    """'3' or 'three' as an int."""
    return int(word) if word.isdigit() else _WORD_NUMBERS[word.lower()]


def is_condition(text: str, start: int, end: int | None = None) -> bool:
    """Is the claim at `start` a condition or a requirement rather than a result?"""
    if end is not None and _REQUIRED_AFTER.match(text, end):
        return True
    head = text[max(0, start - 120) : start]
    cut = 0
    for m in _CLAUSE_END.finditer(head):
        cut = m.end()
    clause = head[cut:]
    return bool(_CONDITION.search(clause) or _RULE_PREFIX.search(clause))


def _streak_of(kind: str, m: re.Match[str]) -> tuple[int, int, bool]:
    groups = m.groupdict()
    outcome = (groups.get("o") or "").lower()
    noun = (groups.get("noun") or "").lower()
    about_passes = not (outcome.startswith(("red", "fail")) or noun.startswith("failure"))
    k = number(groups["k"])
    n = int(groups["n"]) if groups.get("n") else k
    return (k, n, about_passes)


def _counts(m: re.Match[str]) -> tuple[tuple[int, str], ...]:
    return tuple(
        (int(c.group(1).replace(",", "")), LABEL[c.group(2).lower()])
        for c in COUNT_RE.finditer(m.group(0))
    )


def find_claims(text: str) -> list[Claim]:
    """Every claim in plain text (quoted phrases already blanked), without overlaps."""
    if CLAIM_RE.search(text) is None:  # one pass settles most text: no claim at all
        return []
    found: list[tuple[int, int, int, str, re.Match[str]]] = []
    for kind, rx in _COMPILED:
        for m in rx.finditer(text):
            found.append((_PRIORITY[kind], m.start(), m.end(), kind, m))
    found.sort(key=lambda f: (f[0], f[1]))
    kept: list[tuple[int, int, str, re.Match[str]]] = []
    for _, start, end, kind, m in found:
        if any(start < e and s < end for s, e, _, _ in kept):
            continue
        kept.append((start, end, kind, m))
    kept.sort(key=lambda k: k[0])
    claims: list[Claim] = []
    for start, end, kind, m in kept:
        if is_condition(text, start, end):
            continue
        if kind in (PASS, FAIL) and _GENERIC_BEFORE.search(text, max(0, start - 40), start):
            continue
        said = " ".join(m.group(0).split())
        if kind == COUNT:
            prev = claims[-1] if claims else None
            if prev and prev.kind == COUNT and _COUNT_JOIN.fullmatch(text[prev.end : start]):
                claims[-1] = Claim(
                    COUNT,
                    prev.start,
                    end,
                    " ".join(text[prev.start : end].split()),
                    prev.numbers + _counts(m),
                )
                continue
            claims.append(Claim(COUNT, start, end, said, _counts(m)))
        elif kind == STREAK:
            claims.append(Claim(STREAK, start, end, said, streak=_streak_of(kind, m)))
        else:
            claims.append(Claim(kind, start, end, said))
    return claims


def code_claim(code: str, before: str, start: int) -> Claim | None:
    """The claim an inline code span makes, or None when it is a command, a name or quoted output.

    `before` is the prose in front of the span (same sentence), `start` the span's offset.
    """
    body = code.strip().strip(_CODE_TRIM).strip()
    m = _CODE_RESULT.fullmatch(body)
    if m is None or _QUOTING.search(before):
        return None
    said = " ".join(code.split())
    end = start + len(code) + 2
    numbers = tuple(
        (int(c.group(1).replace(",", "")), LABEL[c.group(2).lower()])
        for c in COUNT_RE.finditer(body)
    )
    if numbers:
        return Claim(COUNT, start, end, said, numbers)
    frac = re.search(r"(\d+)\s*/\s*(\d+)", body)
    if frac:
        return Claim(
            STREAK, start, end, said, streak=(int(frac.group(1)), int(frac.group(2)), True)
        )
    if m.group("exit") is not None:
        return Claim(PASS if m.group("code") == "0" else FAIL, start, end, said)
    outcome = (m.group("outcome") or "").lower()
    return Claim(PASS if outcome.startswith(("pass", "green", "ok")) else FAIL, start, end, said)


def is_gate_code(code: str) -> bool:
    """Is the inline code just a gate id ("`VG-LA-001` green" is then a claim in prose)?"""
    return bool(_CODE_GATE.fullmatch(code.strip()))
