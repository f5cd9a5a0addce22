"""Model helpers: EDTF bounds, with the fast path checked against the edtf package."""

from __future__ import annotations

import time

import edtf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.models import edtf_bounds


def package_bounds(value: str) -> tuple[str, str]:
    parsed = edtf.parse_edtf(value)
    return (
        time.strftime("%Y-%m-%d", parsed.lower_strict()),
        time.strftime("%Y-%m-%d", parsed.upper_strict()),
    )


@given(
    st.integers(1000, 2999),
    st.one_of(st.none(), st.integers(1, 12)),
    st.integers(1, 31),
    st.sampled_from(["", "?", "~", "%"]),
)
def test_fast_path_matches_the_edtf_package(year, month, day, qualifier):
    if month is None:
        value = f"{year}{qualifier}"
    else:
        value = (
            f"{year}-{month:02d}-{day:02d}{qualifier}"
            if day <= 28
            else f"{year}-{month:02d}{qualifier}"
        )
    edtf_bounds.cache_clear()
    assert edtf_bounds(value) == package_bounds(value)


@pytest.mark.parametrize("value", ["2024-13", "2023-02-29", "2024-00", "garbage", "../2018"])
def test_invalid_dates_are_refused(value):
    with pytest.raises(ValueError):
        edtf_bounds(value)


@pytest.mark.parametrize(
    ("value", "bounds"),
    [
        ("2018-22", ("2018-06-01", "2018-08-31")),
        ("2024-01-21/2024-01-31", ("2024-01-21", "2024-01-31")),
        ("2024-02", ("2024-02-01", "2024-02-29")),
    ],
)
def test_other_forms_go_to_the_package(value, bounds):
    assert edtf_bounds(value) == bounds
