"""Weighing on the sale screen: the live weight and price from the scale, its states, Tara/Cero, typed weights."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QLabel, QPushButton, QTableView

from desktop.drivers.scale_sim import ScaleSimulator
from desktop.drivers.scales.driver import SerialScale
from desktop.drivers.scales.fakes import FakeScale
from desktop.drivers.scales.reading import ScaleState

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


@pytest.fixture
def simulator() -> Iterator[ScaleSimulator]:
    with ScaleSimulator("toledo8217", grams=1250) as sim:
        yield sim


@pytest.fixture
def scale(request: pytest.FixtureRequest) -> FakeScale | SerialScale:
    """A fake scale with 512 g on the pan, or a Toledo on a pty when the test asks for the ``simulator``."""
    if "simulator" in request.fixturenames:
        return SerialScale(request.getfixturevalue("simulator").port, "toledo8217", timeout=0.2, lazy=True)
    return FakeScale(512)


def cart_rows(ui):
    model = ui.find(QTableView, "cart").model()
    return [(model.index(r, 0).data(), model.index(r, 1).data(), model.index(r, 3).data())
            for r in range(model.rowCount())]


def open_weighing(ui, sku="PAN-1"):
    ui.start_selling()
    ui.click(f"tile-{sku}")
    return ui.dialog("weight-dialog")


def wait_state(ui, qtbot, dialog, text):
    qtbot.waitUntil(lambda: ui.text("scale-state", dialog).startswith(text), timeout=3000)


def test_stable_weight_shows_price_and_is_accepted(ui, qtbot):
    dialog = open_weighing(ui)
    wait_state(ui, qtbot, dialog, "Estable")
    assert ui.text("scale-weight", dialog) == "0,512 kg"
    assert ui.text("scale-price", dialog) == "$1.019"
    assert ui.text("weight-hint", dialog) == "Pan Batido · $1.990/kg"
    assert ui.find(QPushButton, "scale-accept", dialog).isEnabled()
    assert ui.find(QPushButton, "weight-ok", dialog).text() == "Usar peso escrito"
    ui.click("scale-accept", dialog)
    assert ui.closed("weight-dialog")
    assert cart_rows(ui) == [("Pan Batido", "0,512 kg", "$1.019")]


@pytest.mark.parametrize(("state", "label"), [
    (ScaleState.UNSTABLE, "Peso inestable"), (ScaleState.OVERLOAD, "Sobrecarga"),
    (ScaleState.UNDER_ZERO, "Peso negativo")])
def test_an_unsellable_weight_cannot_be_accepted(ui, qtbot, scale, state, label):
    scale.set_weight(800, state)
    dialog = open_weighing(ui)
    wait_state(ui, qtbot, dialog, label)
    accept = ui.find(QPushButton, "scale-accept", dialog)
    assert not accept.isEnabled()
    assert ui.find(QLabel, "scale-state", dialog).property("level") == "error" if state is not ScaleState.UNSTABLE \
        else ui.find(QLabel, "scale-state", dialog).property("level") == "wait"
    scale.set_weight(800)
    wait_state(ui, qtbot, dialog, "Estable")
    assert accept.isEnabled()


def test_a_scale_that_stops_answering_mid_sale(ui, qtbot, scale):
    ui.start_selling()
    ui.scan("7801234567894")
    ui.click("tile-PAN-1")
    dialog = ui.dialog("weight-dialog")
    wait_state(ui, qtbot, dialog, "Estable")
    scale.fail_next(10_000, ScaleState.NO_ANSWER)
    wait_state(ui, qtbot, dialog, "La balanza no responde")
    assert not ui.find(QPushButton, "scale-accept", dialog).isEnabled()
    assert "escribir el peso" in ui.text("scale-message", dialog)
    assert ui.text("scale-weight", dialog) == "—"
    ui.keypad("0,250", dialog)  # the cashier types what the scale's own display says
    ui.click("weight-ok", dialog)
    assert ui.closed("weight-dialog")
    assert cart_rows(ui) == [("Leche Entera Colun 1 L", "x1", "$1.150"), ("Pan Batido", "0,250 kg", "$498")]


def test_tare_and_zero_go_to_the_scale(ui, qtbot, scale):
    dialog = open_weighing(ui)
    wait_state(ui, qtbot, dialog, "Estable")
    ui.click("scale-tare-button", dialog)
    qtbot.waitUntil(lambda: "tare" in scale.commands)
    wait_state(ui, qtbot, dialog, "Ponga el producto")
    assert ui.text("scale-weight", dialog) == "0,000 kg"
    assert not ui.find(QPushButton, "scale-accept", dialog).isEnabled()
    ui.click("scale-zero", dialog)
    qtbot.waitUntil(lambda: "zero" in scale.commands)
    ui.click("weight-cancel", dialog)
    assert ui.closed("weight-dialog") and cart_rows(ui) == []


def test_the_poller_stops_when_the_dialog_closes(ui, qtbot, scale):
    dialog = open_weighing(ui)
    wait_state(ui, qtbot, dialog, "Estable")
    ui.click("weight-cancel", dialog)
    qtbot.wait(300)
    reads = scale.reads
    qtbot.wait(500)
    assert scale.reads <= reads + 1


def test_screenshot_of_the_weighing_dialog(ui, qtbot):
    dialog = open_weighing(ui, "QUE-1")
    wait_state(ui, qtbot, dialog, "Estable")
    path = ui.screenshot(dialog, "weighing_dialog.png")
    assert path.stat().st_size > 10_000


def test_weighing_on_a_simulated_serial_scale(ui, qtbot, simulator):
    """The whole path: a Toledo simulator on a pty, SerialScale, the poller thread and the dialog; then faults."""
    dialog = open_weighing(ui)
    wait_state(ui, qtbot, dialog, "Estable")
    assert ui.text("scale-weight", dialog) == "1,250 kg"
    assert ui.text("scale-price", dialog) == "$2.488"
    simulator.set_weight(1250, ScaleState.UNSTABLE)
    wait_state(ui, qtbot, dialog, "Peso inestable")
    simulator.garbage()
    qtbot.waitUntil(lambda: "no se entienden" in ui.text("scale-message", dialog), timeout=3000)
    assert not ui.find(QPushButton, "scale-accept", dialog).isEnabled()
    simulator.heal()
    simulator.set_weight(1300)
    wait_state(ui, qtbot, dialog, "Estable")
    simulator.half_frame()
    qtbot.waitUntil(lambda: "incompleto" in ui.text("scale-message", dialog), timeout=3000)
    simulator.heal()
    wait_state(ui, qtbot, dialog, "Estable")
    simulator.unplug()
    qtbot.waitUntil(lambda: not ui.find(QPushButton, "scale-accept", dialog).isEnabled(), timeout=3000)
    assert ui.text("scale-weight", dialog) == "—"
    ui.keypad("1,3", dialog)
    ui.click("weight-ok", dialog)
    assert cart_rows(ui) == [("Pan Batido", "1,300 kg", "$2.587")]
