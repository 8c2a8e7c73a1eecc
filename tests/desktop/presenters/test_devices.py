"""The device page's presenter without Qt: fields ↔ settings, detected ports, test print, readout, Guardar."""

from __future__ import annotations

from dataclasses import replace

import pytest

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.drivers.fakes import FakePrinter, FakeScanner
from desktop.drivers.ports import DrawerConfig
from desktop.drivers.printers import PrinterConfig
from desktop.drivers.scale_sim import ScaleSimulator
from desktop.drivers.scales import ScaleError
from desktop.drivers.scales.config import ScaleConfig
from desktop.drivers.scales.driver import PortInfo, SerialScale
from desktop.drivers.scales.fakes import FakeScale
from desktop.drivers.scanner import ScannerConfig
from desktop.presenters import devices
from desktop.presenters.devices import DeviceForm, DevicesPresenter

PORTS = [PortInfo("/dev/ttyUSB0", "CP2102 USB to UART", "USB VID:PID=10C4:EA60"), PortInfo("/dev/ttyS0", "", "")]


def page(terminal, **kwargs):
    views = []
    kwargs.setdefault("ports", lambda: PORTS)
    kwargs.setdefault("usb", lambda: [("0416:5011", "0416:5011 (impresora USB)")])
    return DevicesPresenter(terminal, terminal.receipts, views.append, **kwargs), views


@pytest.mark.parametrize(("config", "target"), [
    (PrinterConfig("network", host="192.168.1.50", port=9100), "192.168.1.50:9100"),
    (PrinterConfig("usb", vendor_id=0x0416, product_id=0x5011, in_ep=0x81, out_ep=0x03), "0416:5011"),
    (PrinterConfig("serial", path="/dev/ttyUSB1", baudrate=19200), "/dev/ttyUSB1"),
    (PrinterConfig("file", path="/dev/usb/lp0"), "/dev/usb/lp0"),
    (PrinterConfig("directory", path="receipts"), "receipts"),
    (PrinterConfig("fake"), ""),
])
def test_printer_fields_round_trip(tmp_path, config, target):
    s = replace(settings_mod.TerminalSettings(data_dir=tmp_path), printer=config)
    form = devices.form_of(s)
    assert (form.printer_kind, form.printer_target) == (config.kind, target)
    assert devices.printer_config(form, config) == config  # endpoints, baud… are kept


@pytest.mark.parametrize(("kind", "target", "words"), [
    ("usb", "impresora", "hexadecimal"), ("usb", "0416", "hexadecimal"), ("network", "10.0.0.5:abc", "puerto"),
])
def test_printer_targets_that_do_not_fit(kind, target, words):
    with pytest.raises(ValueError, match=words):
        devices.printer_config(DeviceForm(kind, target), PrinterConfig("directory", path="x"))


def test_the_page_starts_from_the_saved_settings_and_lists_ports(terminal):
    terminal.settings = replace(terminal.settings, scale=ScaleConfig("cas_ecr", "/dev/pts/7"))
    p, _ = page(terminal)
    assert p.view.form == DeviceForm("directory", "receipts", "80mm", True, 2, "cas_ecr", "/dev/pts/7", "", "")
    assert p.view.ports == (("/dev/ttyUSB0", "/dev/ttyUSB0 · CP2102 USB to UART"), ("/dev/ttyS0", "/dev/ttyS0"),
                            ("/dev/pts/7", "/dev/pts/7 (configurado)"))
    assert p.edit(printer_kind="usb").targets == (("0416:5011", "0416:5011 (impresora USB)"),)
    assert p.view.target_hint.startswith("Fabricante:producto") and p.view.form.printer_target == ""
    assert p.edit(printer_kind="serial").targets == p.view.ports


def test_settings_from_the_page_are_validated(terminal):
    p, _ = page(terminal)
    p.edit(scanner_protocol="magellan_scc")
    with pytest.raises(ValueError, match="magellan"):
        p.settings()
    p.edit(scale_protocol="magellan_scc", scale_port="/dev/ttyUSB0", scanner_port="/dev/ttyS0")
    new = p.settings()
    assert new.scale == ScaleConfig("magellan_scc", "/dev/ttyUSB0") and new.scanner == ScannerConfig("magellan_scc")
    p.edit(printer_kind="network", printer_target="")
    with pytest.raises(ValueError, match="host"):
        p.settings()


def test_test_print_on_the_printer_as_typed(terminal):
    p, _ = page(terminal)
    assert p.test_print().message == "Imprimiendo la prueba…" and p.view.printing
    terminal.receipts.wait_idle()
    assert p.view.message.startswith("Prueba enviada") and not p.view.printing and not p.view.error
    assert b"PRUEBA" in terminal.printer.jobs[-1]
    p.edit(printer_kind="fake", width="58mm")  # another printer: it gets the slip, the terminal's does not
    jobs = len(terminal.printer.jobs)
    p.test_print()
    terminal.receipts.wait_idle()
    assert len(terminal.printer.jobs) == jobs and p.view.message.startswith("Prueba enviada")
    p.edit(printer_kind="usb", printer_target="xx")
    assert p.test_print().error and "Revise la impresora" in p.view.message


def test_test_print_failure_is_reported(terminal):
    p, _ = page(terminal)
    terminal.printer.fail_next(1)
    p.test_print()
    terminal.receipts.wait_idle()
    assert p.view.error and p.view.message.startswith("La prueba no se imprimió: La impresora no tiene papel")


def test_save_writes_and_applies(terminal):
    saved = []
    p, _ = page(terminal, save=lambda s: saved.append(s) or s.data_dir / "terminal.toml")
    p.edit(printer_kind="fake", width="58mm", drawer_pin=5, scale_protocol="fake", scanner_protocol="fake")
    view = p.save()
    assert not view.error and view.message.startswith("Guardado en") and saved[0] is terminal.settings
    assert isinstance(terminal.printer, FakePrinter) and isinstance(terminal.scale, FakeScale)
    assert isinstance(terminal.scanner, FakeScanner) and terminal.receipts.drawer == DrawerConfig(5)
    p.close()


def test_save_problems_keep_the_old_devices(terminal):
    def disk_full(_s):
        raise OSError(28, "No queda espacio en el dispositivo")

    p, _ = page(terminal, save=disk_full)
    printer = terminal.printer
    p.edit(printer_kind="fake")
    assert p.save().message == "No se pudo escribir la configuración: No queda espacio en el dispositivo"
    p.edit(scale_protocol="toledo8217", scale_port="")
    assert p.save().message.startswith("No se guardó: la balanza necesita un puerto")
    assert terminal.printer is printer and terminal.scale is None


def test_readout_of_the_scale_as_typed(terminal):
    p, _ = page(terminal)
    assert p.readout() is None and p.view.error and "protocolo" in p.view.message
    p.edit(scale_protocol="fake")
    weighing = p.readout()
    assert weighing is not None and weighing.poll_once().weight == "0,500 kg"
    p.close()
    assert not weighing.active


def test_readout_on_the_terminals_scale_port_borrows_it_and_gives_it_back(terminal):
    # 8N1 protocols: a Linux pty refuses to be reopened with the 7E1 settings it was closed with (real ports do not)
    with ScaleSimulator("cas_ecr", grams=800) as simulator:
        terminal.settings = replace(terminal.settings, scale=ScaleConfig("cas_ecr", simulator.port))
        terminal.scale = SerialScale(simulator.port, "cas_ecr", lazy=True)
        p, _ = page(terminal)
        same = p.readout()
        assert same is not None and same.scale is terminal.scale and same.poll_once().weight == "0,800 kg"
        p.edit(scale_protocol="dibal")  # the same port, another protocol: the terminal's scale steps aside
        other = p.readout()
        assert other is not None and other.scale is not terminal.scale
        p.close()
        assert terminal.scale.read().grams == 800  # reopened from the settings
        terminal.scale.close()


def test_the_scanner_rests_while_the_page_is_open(terminal):
    reader = FakeScanner()
    terminal.scanner = reader
    terminal.start_scanner(lambda code: None, lambda message: None)
    p, _ = page(terminal)
    assert not reader.started
    p.close()
    assert reader.started


def test_only_an_administrator(terminal):
    session = terminal_mod.session_presenter(terminal)
    assert session.administrator("9999").error  # a supervisor
    assert "PIN incorrecto" in session.administrator("1234").message
    view = session.administrator("0000")
    assert not view.error and view.message == "Administración: Rosa Díaz"


def test_detecting_the_scale_borrows_the_terminals_port_chooses_what_answered_and_gives_it_back(terminal):
    with ScaleSimulator("cas_ecr", grams=800) as simulator:
        terminal.settings = replace(terminal.settings, scale=ScaleConfig("dibal", simulator.port))  # set up wrong
        terminal.scale = lent = SerialScale(simulator.port, "dibal", lazy=True)
        p, _ = page(terminal, ports=lambda: [PortInfo(simulator.port, "USB-Serial", "")])
        view = p.detect_scale()
        with pytest.raises(ScaleError, match="cerrada"):  # stepped aside while the port was probed
            lent.read()
        assert (view.form.scale_protocol, view.form.scale_port) == ("cas_ecr", simulator.port) and not view.error
        assert view.message.startswith(f"Balanza encontrada: CAS (ENQ/ACK/DC1) en {simulator.port}")
        p.close()
        assert terminal.scale is not lent and terminal.settings.scale.protocol == "dibal"  # reopened, not saved
        terminal.scale.close()


def test_detecting_with_no_serial_port_says_no_scale_was_found(terminal):
    p, _ = page(terminal, ports=list)
    view = p.detect_scale()
    assert view.form.scale_protocol == "" and "No se encontró una balanza" in view.message
    p.close()
