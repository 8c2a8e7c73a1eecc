"""``./scripts/demo --headless``: server, HQ setup, an enrolled till selling and syncing, as one command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_headless_demo_runs_the_whole_system():
    folder = Path(tempfile.mkdtemp(prefix="almacen-demo-"))
    os.chmod(folder, 0o755)  # the embedded PostgreSQL runs as the postgres user
    try:
        result = subprocess.run([sys.executable, "scripts/demo_fleet.py", "--headless", "--sales", "12", "--out",
                                 str(folder / "out")], cwd=ROOT, capture_output=True, text=True, timeout=180,
                                check=False)
        assert result.returncode == 0, result.stderr[-2000:]
        summary = json.loads((folder / "out" / "summary.json").read_text("utf-8"))
        assert summary["sales"] == summary["sales_in_master"] == 12
        assert summary["total"] == summary["total_in_master"]
        assert summary["events_pushed"] == summary["events_acknowledged"] == summary["events_in_master"]
        assert summary["stock_in_master_equals_terminal"] is True
        assert len(list((folder / "out" / "receipts").glob("*.bin"))) >= 13
        assert not list((folder / "out" / "server" / "pg").glob("postmaster.pid")), "PostgreSQL left running"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
