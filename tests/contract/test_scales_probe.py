"""The scale probe (``desktop.drivers.scales.probe``) against simulated scales on pseudo-terminals."""

from __future__ import annotations

import time

import pytest

from desktop.drivers.scale_sim import ScaleSimulator
from desktop.drivers.scales import ScaleState
from desktop.drivers.scales.probe import FoundScale, SkippedPort, probe_port, probe_ports

FAST = 0.1


@pytest.mark.parametrize(("protocol", "grams", "state"), [
    ("toledo8217", 1234, ScaleState.STABLE),
    ("cas_ecr", 2500, ScaleState.UNSTABLE),
    ("digi_ds781", 0, ScaleState.STABLE),
])
def test_a_scale_is_found_with_its_protocol_and_port_whatever_is_on_the_pan(protocol, grams, state):
    with ScaleSimulator(protocol, grams=grams, state=state) as simulator:
        found = probe_port(simulator.port, timeout=FAST)
    assert isinstance(found, FoundScale)
    assert (found.port, found.protocol) == (simulator.port, protocol)
    assert found.reading.grams == grams and found.reading.state is not ScaleState.NO_ANSWER
    assert found.title


def test_a_port_answering_garbage_is_not_a_scale():
    with ScaleSimulator("toledo8217", grams=1234) as simulator:
        simulator.garbage()
        assert probe_port(simulator.port, timeout=FAST) is None
        assert b"W" in simulator.received  # it was asked, and its answers were refused


def test_a_missing_port_is_skipped_with_a_spanish_reason_and_the_others_still_probed():
    started = time.monotonic()
    with ScaleSimulator("toledo8217", grams=500) as simulator:
        result = probe_ports(["/dev/ttyNOSUCHPORT9", simulator.port], timeout=FAST)
    assert [(f.port, f.protocol, f.reading.grams) for f in result.found] == [(simulator.port, "toledo8217", 500)]
    assert result.skipped == (SkippedPort("/dev/ttyNOSUCHPORT9", result.skipped[0].reason),)
    assert "balanza no está conectada" in result.skipped[0].reason
    assert time.monotonic() - started < 2
