"""Plate normalisation: one function for gateway, edge and simulator."""

from __future__ import annotations

import pytest

from anju_contracts.plates import (
    PlateError,
    display_plate,
    is_new_energy,
    normalise_credential,
    normalise_plate,
    try_normalise_plate,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("京A12345", "京A12345"),
        ("京A·12345", "京A12345"),
        ("京a 12345", "京A12345"),
        ("  粤B-C1234 ", "粤BC1234"),
        ("赣A·D12345", "赣AD12345"),  # green small new-energy, 8 characters
        ("赣a d12345", "赣AD12345"),
        ("赣ＡＤ１２３４５", "赣AD12345"),  # full-width letters and digits
        ("粤B12345D", "粤B12345D"),  # green large vehicle: energy letter last
        ("沪C·F1234", "沪CF1234"),
        ("苏E1234学", "苏E1234学"),
        ("鲁B1234挂", "鲁B1234挂"),
        ("使123456", "使123456"),
        ("浙A•8888Z", "浙A8888Z"),
    ],
)
def test_normalises(raw: str, expected: str) -> None:
    assert normalise_plate(raw) == expected
    assert normalise_plate(expected) == expected  # idempotent


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("A12345", "province"),
        ("XA12345", "province"),
        ("京A1234", "not a valid"),  # too short
        ("京A123456", "not a valid"),  # 8 characters but not a green pattern
        ("京AD1234X", "not a valid"),
        ("京A1234O", "not a valid"),  # O is never issued
        ("京AI2345", "not a valid"),
        ("京A12345678901", "too long"),
        ("京A12<3>", "not a valid"),
        ("'; DROP", "province"),
    ],
)
def test_refuses_garbage(raw: str, why: str) -> None:
    with pytest.raises(PlateError, match=why):
        normalise_plate(raw)
    assert try_normalise_plate(raw) is None


def test_helpers() -> None:
    assert is_new_energy("赣A·D12345")
    assert not is_new_energy("京A12345")
    assert display_plate("赣ad12345") == "赣A·D12345"
    assert try_normalise_plate(None) is None
    assert normalise_credential(" card-00ab ") == "CARD-00AB"
    with pytest.raises(PlateError):
        normalise_credential("two words")
