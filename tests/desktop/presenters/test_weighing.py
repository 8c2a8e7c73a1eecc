"""The weighing presenter and its poller without Qt: states, price, accept only when stable, tare and zero."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest

from desktop import terminal as terminal_mod
from desktop.drivers.scale_sim import ScaleSimulator
from desktop.drivers.scales import Reading, ScaleError, ScaleState
from desktop.drivers.scales.driver import SerialScale
from desktop.drivers.scales.fakes import FakeScale
from desktop.presenters.weighing import CommandFailed, WeighingPresenter

S = ScaleState


class NoCommandScale:
    """A scale with no zero or tare command (like CAS ENQ/ACK): reads only."""

    def __init__(self, grams: int) -> None:
        self.reading = Reading(grams, S.STABLE)

    def read(self) -> Reading:
        return self.reading

    def close(self) -> None:
        pass


def test_a_stable_weight_shows_weight_and_price_and_can_be_accepted():
    views = []
    p = WeighingPresenter(FakeScale(512), "Pan Batido", 1990, views.append)
    assert p.view.unit_price == "$1.990/kg" and not p.view.can_accept
    view = p.poll_once()
    assert (view.weight, view.price, view.state, view.level, view.can_accept) == (
        "0,512 kg", "$1.019", "Estable", "ok", True)
    assert p.accepted() == Decimal("0.512") and views[-1] is view


@pytest.mark.parametrize(("reading", "state", "level"), [
    (Reading(900, S.UNSTABLE), "Peso inestable: espere", "wait"),
    (Reading(0, S.OVERLOAD), "Sobrecarga: retire peso", "error"),
    (Reading(-40, S.UNDER_ZERO), "Peso negativo: ponga en cero", "error"),
    (Reading(0, S.NO_ANSWER), "La balanza no responde", "error"),
    (Reading(0, S.NEEDS_ZERO), "Balanza sin cero: retire todo y ponga en cero", "error"),
    (Reading(0, S.ZERO), "Ponga el producto en la balanza", "wait"),
])
def test_an_unsellable_reading_is_never_accepted(reading, state, level):
    p = WeighingPresenter(FakeScale(), "Queso", 11990)
    view = p.update(reading)
    assert (view.state, view.level, view.can_accept, view.price) == (state, level, False, "")
    assert p.accepted() is None


def test_a_read_error_says_what_to_do_and_offers_typing():
    p = WeighingPresenter(FakeScale(512), "Pan", 1990)
    p.poll_once()
    view = p.update(ScaleError(S.OFFLINE))
    assert view.state == "Balanza desconectada" and view.weight == "—" and not view.can_accept
    assert "Revise el cable" in view.message and "escribir el peso" in view.message
    assert p.accepted() is None
    assert p.poll_once().can_accept and p.view.message == ""  # back to normal


def test_the_poller_reads_about_five_times_a_second_off_the_callers_thread():
    scale = FakeScale(700)
    got: list[tuple[object, str]] = []
    done = threading.Event()

    def deliver(result):
        got.append((result, threading.current_thread().name))
        if len(got) >= 3:
            done.set()

    p = WeighingPresenter(scale, "Pan", 1990)
    started = time.monotonic()
    p.start(deliver)
    assert done.wait(3)
    p.stop()
    elapsed = time.monotonic() - started
    assert all(name == "almacen-scale" for _, name in got) and got[0][0] == Reading(700, S.STABLE)
    assert 0.3 <= elapsed < 2  # 3 readings at 0.2 s
    reads = scale.reads
    time.sleep(0.5)
    assert scale.reads <= reads + 1 and not p.active


def test_read_errors_in_the_poller_are_delivered_not_raised():
    scale = FakeScale(700)
    scale.fail_next(1, S.NO_ANSWER)
    got = []
    p = WeighingPresenter(scale, "Pan", 1990)
    p.start(got.append, interval=0.01)
    deadline = time.monotonic() + 2
    while len(got) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    p.stop()
    assert isinstance(got[0], ScaleError) and got[0].state is S.NO_ANSWER and got[1] == Reading(700, S.STABLE)


def test_tare_and_zero_on_a_scale_that_has_them():
    scale = FakeScale(250)
    p = WeighingPresenter(scale, "Aceitunas", 5990)
    p.poll_once()
    assert p.tare().message == "Tara enviada a la balanza" and scale.commands == ["tare"]
    assert p.poll_once().weight == "0,000 kg" and not p.view.can_accept
    scale.set_weight(750)
    assert p.poll_once().weight == "0,500 kg" and p.view.price == "$2.995"
    assert p.zero().message == "Balanza puesta en cero" and scale.commands == ["tare", "zero"]


def test_tare_kept_by_the_till_when_the_scale_has_no_command():
    scale = NoCommandScale(120)
    p = WeighingPresenter(scale, "Aceitunas", 5990)
    assert not p.view.can_zero
    assert "espere" in p.tare().message  # nothing read yet
    p.poll_once()
    view = p.tare()
    assert view.message == "Tara descontada" and view.tare == "Tara 0,120 kg"
    assert p.poll_once().state == "Ponga el producto en la balanza"
    scale.reading = Reading(620, S.STABLE)
    assert p.poll_once().weight == "0,500 kg" and p.accepted() == Decimal("0.500")
    assert p.zero().message == "Esta balanza se pone en cero con su propio botón." and p.tare_grams == 0


def test_a_refused_command_is_a_message_and_the_reading_stays():
    p = WeighingPresenter(FakeScale(300), "Pan", 1990)
    p.poll_once()
    view = p.update(CommandFailed(ScaleError(S.ERROR, "La balanza no permite eso.")))
    assert view.message == "La balanza no permite eso." and view.can_accept


@pytest.mark.parametrize("fault", ["garbage", "half_frame", "wrong_parity"])
def test_garbage_and_partial_frames_from_a_real_port(fault):
    with ScaleSimulator("toledo8217", grams=1000) as simulator, \
            SerialScale(simulator.port, "toledo8217", timeout=0.2) as scale:
        p = WeighingPresenter(scale, "Pan", 1990)
        assert p.poll_once().can_accept
        getattr(simulator, fault)()
        view = p.poll_once()
        assert view.level == "error" and not view.can_accept and view.message
        assert p.accepted() is None
        simulator.heal()
        assert p.poll_once().can_accept


def test_software_tare_on_a_cas_scale_over_a_pty():
    with ScaleSimulator("cas_ecr", grams=200) as simulator, SerialScale(simulator.port, "cas_ecr") as scale:
        p = WeighingPresenter(scale, "Aceitunas", 5990)
        assert not p.view.can_zero  # CAS ENQ/ACK has no zero or tare command
        p.poll_once()
        assert p.tare().tare == "Tara 0,200 kg"
        simulator.set_weight(700)
        assert p.poll_once().weight == "0,500 kg"


# -- the sale presenter with a scale ------------------------------------------------------------------------------

@pytest.fixture
def weighing_sale(make_terminal):
    scale = FakeScale(512)
    term = make_terminal()
    term.scale = scale
    session = terminal_mod.session_presenter(term)
    session.sign_in("ana", "1234")
    session.open_shift("0")
    shift = term.shifts.current()
    sale = terminal_mod.sale_presenter(term)
    sale.start(session.user, shift.shift_id, shift.number)
    return sale, scale


def test_a_weighed_product_is_sold_with_the_scales_weight(weighing_sale):
    sale, scale = weighing_sale
    view = sale.scan("1001")
    assert view.weight_prompt is not None and view.message == "Ponga Pan Batido en la balanza o escriba el peso"
    assert sale.weighing is not None and sale.weighing.view.unit_price == "$1.990/kg"
    scale.set_weight(512, S.UNSTABLE)
    sale.weighing.poll_once()
    refused = sale.accept_weighed()
    assert refused.error and refused.weight_prompt is not None and not refused.lines
    scale.set_weight(512)
    sale.weighing.poll_once()
    weighing = sale.weighing
    view = sale.accept_weighed()
    assert [(x.name, x.quantity, x.amount) for x in view.lines] == [("Pan Batido", "0,512 kg", "$1.019")]
    assert view.weight_prompt is None and sale.weighing is None and not weighing.active


def test_typing_the_weight_still_works_with_a_scale(weighing_sale):
    sale, scale = weighing_sale
    scale.fail_next(5, S.OFFLINE)
    sale.scan("1001")
    sale.weighing.start(interval=0.01)
    view = sale.enter_weight("0,300")
    assert view.lines[0].quantity == "0,300 kg" and sale.weighing is None


def test_cancel_stops_the_live_weight(weighing_sale):
    sale, _ = weighing_sale
    sale.scan("1001")
    weighing = sale.weighing
    weighing.start(lambda result: None, interval=0.01)
    sale.cancel_prompt()
    assert not weighing.active and sale.weighing is None and sale.view.lines == ()
