"""units: what govkit writes into govkit.yaml reads back as the same value."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from govkit.units import exact_duration, exact_size, parse_duration, parse_size


def test_exact_forms_use_the_largest_whole_unit() -> None:
    assert exact_size(4 * 1024**3) == "4G"
    assert exact_size(1536 * 1024) == "1536K"
    assert exact_size(1000) == 1000
    assert exact_duration(1800) == "30m"
    assert exact_duration(7200) == "2h"
    assert exact_duration(90) == "90s"
    assert exact_duration(1.5) == "1.5s"


@given(st.integers(min_value=0, max_value=1024**5))
def test_exact_size_round_trips(n: int) -> None:
    assert parse_size(exact_size(n)) == n


@given(st.integers(min_value=0, max_value=10**7))
def test_exact_duration_round_trips(seconds: int) -> None:
    assert parse_duration(exact_duration(seconds)) == seconds
