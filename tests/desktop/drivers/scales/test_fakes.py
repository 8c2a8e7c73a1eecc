"""FakeScale: what a test or the demo sets it to do (what every scale does is in tests/contract/test_scales.py)."""

from __future__ import annotations

import pytest

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
