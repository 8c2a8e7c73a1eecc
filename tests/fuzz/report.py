"""A pytest plugin for ``scripts/fuzz``: every hypothesis test's inputs (passing, failing, invalid), its outcome and
its time, written as JSON to ``$FUZZ_REPORT`` when the session ends."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest

_COUNTS = re.compile(r"(\d+) passing, (\d+) failing, and (\d+) invalid")
_results: dict[str, dict[str, Any]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    entry = _results.setdefault(report.nodeid, {"passing": 0, "failing": 0, "invalid": 0, "outcome": "passed",
                                                "seconds": 0.0})
    entry["seconds"] += report.duration
    if report.failed:
        entry["outcome"] = "failed"
    elif report.skipped and entry["outcome"] == "passed":
        entry["outcome"] = "skipped"
    stats = report.__dict__.get("_hypothesis_stats")
    if report.when == "teardown" and stats:
        for passing, failing, invalid in _COUNTS.findall(stats):
            entry["passing"] += int(passing)
            entry["failing"] += int(failing)
            entry["invalid"] += int(invalid)


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = os.environ.get("FUZZ_REPORT")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(_results, out, indent=1)
