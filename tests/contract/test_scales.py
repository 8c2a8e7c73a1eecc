"""The scale contract (``desktop.drivers.scales.Scale``): one set of cases run against every scale.

The fake, and the serial driver on a pseudo-terminal with the simulated scale (``desktop.drivers.scale_sim``) for
each supported protocol. To add a scale, add a :class:`Rig` builder to ``SCALES``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest

from desktop.drivers.scale_sim import ScaleSimulator
from desktop.drivers.scales import Reading, Scale, ScaleError, ScaleState, protocols
from desktop.drivers.scales.driver import SerialScale
from desktop.drivers.scales.fakes import FakeScale

S = ScaleState
FAST = 0.15  # seconds: the serial driver's timeout, for the cases that wait for silence


@dataclass(frozen=True)
class Rig:
    """A scale under test with 1234 g on its pan, and what happens to it: ``put`` a weight in a state, ``garble``
    its answers, ``silence`` it, ``heal`` it. ``coarse``: it reports overload and under zero only as NOT_READY
    (Dibal)."""

    scale: Scale
    put: Callable[[int, ScaleState], None]
    garble: Callable[[], None]
    silence: Callable[[], None]
    heal: Callable[[], None]
    coarse: bool = False


@contextlib.contextmanager
def _fake() -> Iterator[Rig]:
    scale = FakeScale(1234)
    yield Rig(scale, scale.set_weight, lambda: scale.fail_next(1, S.ERROR),
              lambda: scale.queue(Reading(0, S.NO_ANSWER)), lambda: None)


def _serial(protocol: str) -> Callable[[], contextlib.AbstractContextManager[Rig]]:
    @contextlib.contextmanager
    def rig() -> Iterator[Rig]:
        with ScaleSimulator(protocol, grams=1234, interval=0.02) as simulator, \
                SerialScale(simulator.port, protocol, timeout=FAST) as scale:
            yield Rig(scale, simulator.set_weight, simulator.garbage, simulator.no_answer, simulator.heal,
                      coarse=protocol == "dibal")
    return rig


SCALES: dict[str, Callable[[], contextlib.AbstractContextManager[Rig]]] = {
    "fake": _fake, **{f"serial-{name}": _serial(name) for name in sorted(protocols.PROTOCOLS)},
}


@pytest.fixture(params=sorted(SCALES))
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    with SCALES[request.param]() as opened:
        yield opened


def read_until(scale: Scale, wanted: Callable[[Reading], bool], tries: int = 5) -> Reading:
    """Read until ``wanted`` (a streaming scale may still have a frame from before the change in flight)."""
    reading = scale.read()
    for _ in range(tries):
        if wanted(reading):
            break
        reading = scale.read()
    return reading


def test_reads_the_weight_on_the_pan(rig: Rig) -> None:
    reading = read_until(rig.scale, lambda r: r.state is S.STABLE)
    assert (reading.grams, reading.kg, reading.sellable) == (1234, Decimal("1.234"), True)


def test_a_moving_weight_is_not_sold_until_it_settles(rig: Rig) -> None:
    rig.put(2500, S.UNSTABLE)
    moving = read_until(rig.scale, lambda r: r.state is not S.STABLE)
    assert moving.state in (S.UNSTABLE, S.NOT_READY) and not moving.sellable
    rig.put(2500, S.STABLE)
    settled = read_until(rig.scale, lambda r: r.state is S.STABLE)
    assert (settled.grams, settled.state, settled.sellable) == (2500, S.STABLE, True)


@pytest.mark.parametrize("state", [S.OVERLOAD, S.UNDER_ZERO])
def test_overload_and_under_zero_are_never_sold(rig: Rig, state: ScaleState) -> None:
    rig.put(800, state)
    reading = read_until(rig.scale, lambda r: r.state is not S.STABLE)
    assert reading.state is (S.NOT_READY if rig.coarse else state)
    assert not reading.sellable and reading.label


def test_an_empty_pan_reads_zero_and_is_not_sold(rig: Rig) -> None:
    rig.put(0, S.STABLE)
    reading = read_until(rig.scale, lambda r: r.grams == 0)
    assert reading.state in (S.ZERO, S.NOT_READY) and not reading.sellable


def test_garbage_is_refused_with_a_spanish_message(rig: Rig) -> None:
    rig.garble()
    with pytest.raises(ScaleError) as caught:
        rig.scale.read()
    assert caught.value.state is S.ERROR and "balanza" in str(caught.value)


def test_a_silent_scale_reads_no_answer_at_once_and_comes_back(rig: Rig) -> None:
    rig.silence()
    time.sleep(0.05)  # let a streaming scale's last frame land before the read flushes the line
    started = time.monotonic()
    reading = rig.scale.read()
    assert reading == Reading(0, S.NO_ANSWER, b"") and reading.label == "La balanza no responde"
    assert time.monotonic() - started < 5
    rig.heal()
    assert read_until(rig.scale, lambda r: r.state is S.STABLE).grams == 1234


def test_a_closed_scale_refuses_to_read_and_closes_twice(rig: Rig) -> None:
    rig.scale.close()
    rig.scale.close()
    with pytest.raises(ScaleError) as caught:
        rig.scale.read()
    assert caught.value.state is S.OFFLINE and "cerrada" in str(caught.value)
