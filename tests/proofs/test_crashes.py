"""The fast share of ``scripts/prove-crashes``: SIGKILLs of a selling till lose no acknowledged sale."""

from __future__ import annotations

import pytest

from proofs import crashes


@pytest.mark.slow
def test_sigkills_of_a_selling_till_lose_no_acknowledged_sale(tmp_path):
    report = crashes.run_kills(12, 20261206, tmp_path, per_till=6)
    assert report.kills == 12
    assert report.acked > 20, "the kills came too early to prove anything"
    assert not report.lost and not report.problems, (report.lost[:5], report.problems[:5])


def test_check_reports_a_sale_acknowledged_but_missing(tmp_path):
    lines = crashes.kill_once(tmp_path / "till", 3, 0.3, early=False)
    acked = {p[1]: int(p[2]) for p in lines if p[0] == "ACK"}
    assert acked
    lost, problems = crashes.check(tmp_path / "till", {**acked, "no-such-sale": 99}, [])
    assert lost == [("no-such-sale", 99)] and not problems
