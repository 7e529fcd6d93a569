"""Keeping secret values out of stored logs and records."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# A variable whose NAME matches is secret; its value is scrubbed wherever it would be stored.
_SECRET_NAME = re.compile(r"token|secret|password|passwd|key|credential|auth", re.IGNORECASE)
_MIN_SECRET_LEN = 4  # shorter values ("1", "yes") would scrub ordinary text everywhere
MASK = b"***"

# Environment variables worth recording in evidence: they change how tools behave but
# never carry credentials. Everything else is listed by name only (redacted).
ENV_ALLOW = frozenset(
    {
        "PATH",
        "LANG",
        "LC_ALL",
        "LC_CTYPE",
        "TZ",
        "SHELL",
        "TERM",
        "CI",
        "PYTHONHASHSEED",
        "PYTHONPATH",
        "PYTHONDONTWRITEBYTECODE",
        "RUST_BACKTRACE",
        "CARGO_TERM_COLOR",
        "GOFLAGS",
        "GOMAXPROCS",
        "NODE_ENV",
        "OMP_NUM_THREADS",
        "MAKEFLAGS",
    }
)


def looks_secret(name: str) -> bool:
    """True when an environment variable's name suggests a credential."""
    return _SECRET_NAME.search(name) is not None


def scrub_secrets_from_env(env: Mapping[str, str]) -> list[str]:
    """The values of secret-looking variables (at least 4 characters), longest first."""
    values = {v for k, v in env.items() if looks_secret(k) and len(v) >= _MIN_SECRET_LEN}
    return sorted(values, key=lambda v: (-len(v), v))


def env_for_record(
    env: Mapping[str, str], allow: Iterable[str] = ENV_ALLOW
) -> tuple[dict[str, str], list[str]]:
    """(allow-listed name -> value, sorted names withheld) for an evidence record."""
    allowed = set(allow)
    kept = {k: v for k, v in env.items() if k in allowed and not looks_secret(k)}
    redacted = sorted(k for k in env if k not in kept)
    return kept, redacted


def scrub_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret value in a string by ***."""
    for value in sorted(set(secrets), key=len, reverse=True):
        if value:
            text = text.replace(value, MASK.decode())
    return text


class StreamScrubber:
    """Scrubs a byte stream chunk by chunk, including secrets split across chunks.

    Holds back only the shortest tail that could still be the start of a secret,
    so output reaches the log (and terminal) without waiting for more input.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        values = {s.encode("utf-8") for s in secrets if s}
        self._secrets = sorted(values, key=len, reverse=True)
        self._carry = b""

    @property
    def active(self) -> bool:
        return bool(self._secrets)

    def feed(self, chunk: bytes) -> bytes:
        """Scrubbed bytes that are safe to write now."""
        if not self._secrets:
            return chunk
        data = self._carry + chunk
        for secret in self._secrets:
            if secret in data:
                data = data.replace(secret, MASK)
        hold = self._partial_tail(data)
        if hold:
            self._carry = data[-hold:]
            return data[:-hold]
        self._carry = b""
        return data

    def flush(self) -> bytes:
        """Whatever was held back, at end of stream."""
        data, self._carry = self._carry, b""
        return data

    def _partial_tail(self, data: bytes) -> int:
        """Length of the longest suffix of data that is a proper prefix of a secret."""
        best = 0
        for secret in self._secrets:
            for n in range(min(len(secret) - 1, len(data)), best, -1):
                if data.endswith(secret[:n]):
                    best = n
                    break
        return best
