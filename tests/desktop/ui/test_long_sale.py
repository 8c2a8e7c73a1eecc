"""A long sale on the real window: hundreds of scans must not leak references (PySide6 6.12 aborted at ~60)."""

from __future__ import annotations

import gc
import sys

import pytest

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")]


def test_three_hundred_scans_keep_the_till_alive_and_none_refcount_stable(ui):
    ui.start_selling()
    codes = ["7801234567894", "7801610001196", "7801610000595", "7801320000014"]
    ui.scan(codes[0])
    gc.collect()  # garbage left by earlier tests, freed mid-loop, would lower None's count without any bug
    before = sys.getrefcount(None)
    for i in range(300):
        ui.scan(codes[i % len(codes)])
    lost = before - sys.getrefcount(None)
    if sys.version_info < (3, 12):  # from 3.12 None is immortal (PEP 683): its count is not kept, and cannot run out
        assert lost < 300, f"None lost {lost} references over 300 scans: a PySide6 refcount bug is back"
    assert ui.window.isVisible()
