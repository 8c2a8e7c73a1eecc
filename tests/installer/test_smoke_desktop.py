"""The till bundle's smoke (installer/pyinstaller/smoke_desktop.py through scripts/smoke-desktop): the bundle that
scripts/test builds in the background (scripts/build-desktop) is enrolled against a real server and sells one sale.

Runs only under scripts/test, which names the build's status file in ``ALMACEN_BUNDLE_STATUS``; dealt out right
after the slow files (tests/conftest.py), so the build has had their minutes to finish.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
BUILD_WAIT_S = 900  # the build takes 1 to 4 minutes; CI's whole limit is 15


def _build_result(status: Path) -> str:
    """The build's exit code as written by scripts/test, waiting for it (never past BUILD_WAIT_S)."""
    deadline = time.monotonic() + BUILD_WAIT_S
    while not status.exists():
        assert time.monotonic() < deadline, f"el bundle no terminó de construirse en {BUILD_WAIT_S} s ({status})"
        time.sleep(1)
    return status.read_text("utf-8").strip()


@pytest.mark.slow
@pytest.mark.bundle
def test_bundle_enrols_against_a_real_server_and_sells_one_sale() -> None:
    named = os.environ.get("ALMACEN_BUNDLE_STATUS")
    if not named:
        pytest.skip("sin bundle en esta corrida: ./scripts/test lo construye (ALMACEN_SKIP_BUNDLE=1 lo omite)")
    status = Path(named)
    log = status.with_name("build.log")
    code = _build_result(status)
    assert code == "0", f"scripts/build-desktop falló ({code}):\n{log.read_text('utf-8')[-4000:]}"
    done = subprocess.run([str(ROOT / "scripts" / "smoke-desktop")], capture_output=True, text=True,
                          timeout=600, check=False)
    status.with_name("smoke.log").write_text(done.stderr + done.stdout, "utf-8")  # the time line last
    assert done.returncode == 0, f"scripts/smoke-desktop falló:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    figures = json.loads(done.stdout[: done.stdout.rindex("}") + 1])
    sale = figures["sale"]
    assert sale is not None and sale["total"] > 0
    assert figures["sync"] == {"online": True, "pending": 0}
    assert figures["qt_platform"] == "offscreen"
    assert figures["master_sales"] == 1 and int(figures["master_total"]) == sale["total"]
    assert Path(figures["pdf_fonts"]).is_relative_to(ROOT / "dist" / "almacen")  # the bundle's own fonts
    assert [t["status"] for t in figures["terminals"]] == ["active"]
    assert figures["verify"]["verified"] is True and figures["verify"]["events"] == figures["journal_events"]
