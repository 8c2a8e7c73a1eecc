"""FakeScale, and the behaviour every ``Scale`` shares (the fake and the serial driver on a simulator)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from desktop.drivers.scale_sim import ScaleSimulator
from desktop.drivers.scales import Scale
from desktop.drivers.scales.driver import SerialScale
from desktop.drivers.scales.fakes import FakeScale
from desktop.drivers.scales.reading import Reading, ScaleError, ScaleState

S = ScaleState


def test_fake_scale_set_weight_queue_and_failures() -> None:
    scale = FakeScale()
    assert scale.read() == Reading(0, S.ZERO)
    scale.set_weight(1234)
    assert scale.read().sellable
    scale.queue(Reading(900, S.UNSTABLE), Reading(0, S.NO_ANSWER))
    assert [scale.read().state, scale.read().state, scale.read().state] == [S.UNSTABLE, S.NO_ANSWER, S.STABLE]
    scale.fail_next(2, S.OFFLINE)
    for _ in range(2):
        with pytest.raises(ScaleError) as caught:
            scale.read()
        assert caught.value.state is S.OFFLINE and "conectada" in str(caught.value)
    assert scale.read().grams == 1234
    assert scale.reads == 8


def test_fake_scale_buttons() -> None:
    scale = FakeScale(500)
    scale.tare()
    assert scale.read() == Reading(0, S.ZERO)
    scale.set_weight(800)
    assert scale.read().grams == 300
    scale.zero()
    assert scale.read().state is S.ZERO and scale.commands == ["tare", "zero"]


@pytest.fixture(params=["fake", "serial"])
def make_scale(request: pytest.FixtureRequest) -> Iterator[Callable[[int], Scale]]:
    """Build a ``Scale`` with ``grams`` on the pan, as a fake or as the serial driver on a simulated pty."""
    simulators: list[ScaleSimulator] = []

    def make(grams: int) -> Scale:
        if request.param == "fake":
            return FakeScale(grams)
        simulator = ScaleSimulator("toledo8217", grams=grams)
        simulators.append(simulator)
        return SerialScale(simulator.port, "toledo8217")

    yield make
    for simulator in simulators:
        simulator.close()


def test_every_scale_reads_grams_and_closes_once(make_scale: Callable[[int], Scale]) -> None:
    scale = make_scale(1234)
    reading = scale.read()
    assert (reading.grams, reading.state, reading.sellable) == (1234, S.STABLE, True)
    scale.close()
    scale.close()
    with pytest.raises(ScaleError) as caught:
        scale.read()
    assert caught.value.state is S.OFFLINE


def test_every_scale_reads_an_empty_pan_as_zero(make_scale: Callable[[int], Scale]) -> None:
    scale = make_scale(0)
    assert scale.read().state is S.ZERO
    scale.close()
