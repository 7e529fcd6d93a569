"""Secret detection and stream scrubbing, including secrets split across chunks."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govkit.saferun import env_for_record, looks_secret, scrub_secrets_from_env, scrub_text
from govkit.saferun.scrub import StreamScrubber


def test_secret_names() -> None:
    for name in ("API_TOKEN", "GITHUB_TOKEN", "db_password", "PASSWD", "AWS_SECRET_ACCESS_KEY",
                 "SSH_KEY", "NPM_AUTH", "GOOGLE_APPLICATION_CREDENTIALS"):  # fmt: skip
        assert looks_secret(name), name
    for name in ("PATH", "HOME", "LANG", "CI", "PYTHONPATH"):
        assert not looks_secret(name), name


def test_secret_values_longest_first_and_short_ones_ignored() -> None:
    env = {"A_TOKEN": "abcd", "B_SECRET": "abcdefgh", "C_KEY": "xyz", "PATH": "/usr/bin:/bin"}
    assert scrub_secrets_from_env(env) == ["abcdefgh", "abcd"]


def test_env_for_record_keeps_the_allow_list_and_names_the_rest() -> None:
    kept, redacted = env_for_record({"PATH": "/bin", "API_TOKEN": "t0ken", "USER_NAME": "ann"})
    assert kept == {"PATH": "/bin"}
    assert redacted == ["API_TOKEN", "USER_NAME"]


def test_scrub_text() -> None:
    assert scrub_text("a s3cr3t b s3cr3t", ["s3cr3t"]) == "a *** b ***"


def feed_all(secrets: list[str], chunks: list[bytes]) -> bytes:
    scrubber = StreamScrubber(secrets)
    return b"".join(scrubber.feed(c) for c in chunks) + scrubber.flush()


def test_split_secret_is_scrubbed_and_partial_prefix_flushed_at_end() -> None:
    assert feed_all(["hunter22"], [b"pw=hun", b"ter22\nhun", b"t"]) == b"pw=***\nhunt"


def test_output_is_not_held_back_without_a_possible_secret_prefix() -> None:
    scrubber = StreamScrubber(["hunter22"])
    assert scrubber.feed(b"progress 50%\r") == b"progress 50%\r"
    assert scrubber.feed(b"xx hunt") == b"xx "


@settings(max_examples=300, deadline=None)
@given(
    secrets=st.lists(st.text("abc", min_size=4, max_size=8), min_size=1, max_size=3),
    pieces=st.lists(st.sampled_from(["a", "b", "c", "x", "\n", "abca", "cab"]), max_size=40),
    cuts=st.lists(st.integers(0, 200), max_size=10),
)
@pytest.mark.slow
def test_chunking_never_lets_a_secret_through(
    secrets: list[str], pieces: list[str], cuts: list[int]
) -> None:
    data = "".join(pieces).encode()
    for s in secrets:  # plant each secret somewhere
        data = data[: len(data) // 2] + s.encode() + data[len(data) // 2 :]
    bounds = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    chunks = [data[a:b] for a, b in itertools.pairwise(bounds)]
    chunked = feed_all(secrets, chunks)
    for s in secrets:
        assert s.encode() not in chunked
    if len(secrets) == 1:  # overlapping secrets may be masked differently, never leaked
        assert chunked == feed_all(secrets, [data])
