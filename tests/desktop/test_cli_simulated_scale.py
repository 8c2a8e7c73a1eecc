"""``almacen pos run --simulated-scale PROTOCOL``: the till weighs on a simulator on a pty (the demo's scale)."""

from __future__ import annotations

import time

import pytest

import desktop.ui.app as ui_app
from desktop import cli
from desktop.drivers.scales import ScaleState
from desktop.drivers.scales.driver import SerialScale
from desktop.drivers.scanner import ScaleScanner


@pytest.fixture
def data(tmp_path):
    assert cli.main(["pos", "init", "--data", str(tmp_path)]) == 0
    return tmp_path


def run_with(monkeypatch, data, protocol, check):
    seen = {}

    def fake_run(term, *, fullscreen=False):
        seen["result"] = check(term)
        return 0

    monkeypatch.setattr(ui_app, "run", fake_run)
    code = cli.main(["pos", "run", "--data", str(data), "--simulated-scale", protocol])
    return code, seen.get("result")


@pytest.mark.parametrize("protocol", ["toledo8217", "cas_ecr", "dibal"])
def test_run_weighs_on_a_simulated_scale(monkeypatch, data, protocol, capsys):
    def check(term):
        assert isinstance(term.scale, SerialScale) and term.settings.scale.protocol == protocol
        assert term.settings.scale.port.startswith("/dev/")
        return term.scale.read().state

    code, state = run_with(monkeypatch, data, protocol, check)
    assert code == 0 and state in (ScaleState.ZERO, ScaleState.STABLE, ScaleState.UNSTABLE, ScaleState.NOT_READY)
    assert "simulada en /dev/" in capsys.readouterr().out


def test_the_simulated_magellan_is_also_the_scanner(monkeypatch, data):
    code, result = run_with(monkeypatch, data, "magellan_scc",
                            lambda term: (type(term.scanner), term.settings.scanner.protocol))
    assert code == 0 and result == (ScaleScanner, "magellan_scc")


def test_an_unknown_protocol_is_refused(monkeypatch, data, capsys):
    code, result = run_with(monkeypatch, data, "acme", lambda term: None)
    assert code == 2 and result is None and "protocolo de balanza desconocido" in capsys.readouterr().err


def test_the_demo_routine_moves_the_weight():
    from desktop.drivers.scale_sim import ScaleSimulator

    with ScaleSimulator("cas_ecr", seed=3) as simulator, SerialScale(simulator.port, "cas_ecr") as scale:
        simulator.demo(empty=0.1, moving=0.1, steady=0.3)
        states = set()
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not {ScaleState.ZERO, ScaleState.UNSTABLE, ScaleState.STABLE} <= states:
            states.add(scale.read().state)
            time.sleep(0.03)
        assert {ScaleState.ZERO, ScaleState.UNSTABLE, ScaleState.STABLE} <= states
