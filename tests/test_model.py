"""model: the pipeline's data, and how a file that may change unseen is recognised."""

from __future__ import annotations

import pytest

from seedfeed.model import RACY_COARSE, RACY_FINE, racy

SCAN = 1_750_000_000.25  # when a scan saw the file


@pytest.mark.parametrize(("age", "expected"), [
    (0.0, True), (RACY_FINE * 0.9, True), (RACY_FINE * 1.1, False), (-5.0, True)])
def test_a_fine_grained_mtime_is_racy_for_a_tenth_of_a_second(age: float, expected: bool) -> None:
    assert racy(SCAN - age, SCAN) is expected


@pytest.mark.parametrize(("mtime", "expected"), [
    (1_750_000_000.0, True),  # the scan's second: a later write may keep this mtime
    (1_749_999_999.0, True),
    (1_750_000_000.0 - RACY_COARSE - 1, False),
])
def test_a_whole_second_mtime_is_racy_for_two_seconds(mtime: float, expected: bool) -> None:
    """FAT keeps even seconds, ext3 and HFS+ whole ones: their mtimes are whole numbers."""
    assert racy(mtime, SCAN) is expected
