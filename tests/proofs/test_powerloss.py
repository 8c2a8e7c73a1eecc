"""The fast share of the power-loss proof: cuts at random points of a traced run lose no acknowledged sale with the
journal's ``synchronous=FULL``, and the same harness does see losses when the journal skips the fsync at commit
(``synchronous=NORMAL``): the replay really drops unsynced writes."""

from __future__ import annotations

import random

import pytest

from proofs import powerloss

pytestmark = pytest.mark.skipif(powerloss.strace() is None, reason="strace is not installed (scripts/setup --test)")


@pytest.mark.slow
def test_power_cuts_lose_no_acknowledged_sale():
    report = powerloss.run_cuts(40, 11, per_run=40, seconds=1.0)
    assert report.kills == 40 and report.counts["drop"] and report.counts["prefix"]
    assert report.acked > 100
    assert not report.lost and not report.problems, (report.lost[:5], report.problems[:5])


@pytest.mark.slow
def test_power_cuts_do_lose_sales_when_commits_skip_the_fsync():
    report = powerloss.run_cuts(10, 11, per_run=10, seconds=0.8, synchronous="NORMAL")
    assert report.lost, "the replay kept writes that were never fsynced"


def test_replay_keeps_only_synced_bytes():
    trace = powerloss.Trace([
        powerloss.Op("create", "/d/j"), powerloss.Op("start"),
        powerloss.Op("write", "/d/j", offset=0, data=b"abc"), powerloss.Op("sync", "/d/j"),
        powerloss.Op("ack", sale=("s1", 1)),
        powerloss.Op("write", "/d/j", offset=3, data=b"def"), powerloss.Op("ack", sale=("s2", 2)),
    ], start=1)
    end = len(trace.ops)
    cuts = powerloss.cuts(trace, [4, end, end, end, end, end, end, end, end], random.Random(1))
    assert cuts[0].files == {"/d/j": b"abc"} and cuts[0].acked == {}
    assert {c.files["/d/j"] for c in cuts[1:]} <= {b"abc", b"abcdef"}
    assert all(c.acked == {"s1": 1, "s2": 2} for c in cuts[1:])
    assert {c.files["/d/j"] for c in cuts[1:] if c.mode == "drop"} == {b"abc"}
