"""Printer connections (network links, serial, folders, device nodes), error translation and the fakes.

What every printer does is in tests/contract/test_printers.py.
"""

from __future__ import annotations

import errno
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import serial
import usb.core

from desktop.drivers import errors, escpos_render, printer_sim, printers
from desktop.drivers.fakes import FakeDrawer, FakePrinter
from desktop.drivers.ports import PrinterError, PrinterStatus
from desktop.drivers.printers import DirectoryPrinter, EscposCashDrawer, PrinterConfig, open_printer
from desktop.drivers.receipt import PaperWidth, TextReport

JOB = escpos_render.render_report(
    TextReport("PRUEBA", ("Impresora de prueba",), (("Ñandú", "$1.990"), ("Total", "$1.990"))),
    PaperWidth.MM58)


StartServer = Callable[..., printer_sim.NetworkPrinterSim]


@pytest.fixture
def network() -> Iterator[StartServer]:
    """Starts simulated network printers and stops them after the test."""
    servers: list[printer_sim.NetworkPrinterSim] = []

    def start(answers: dict[int, int] | None = None, *,
              close_after_first: bool = False) -> printer_sim.NetworkPrinterSim:
        server = printer_sim.NetworkPrinterSim(answers, close_after_first=close_after_first)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def net_printer(port: int, timeout: float = 2.0) -> printers.EscposPrinter:
    printer = open_printer(PrinterConfig(kind="network", host="127.0.0.1", port=port, timeout=timeout,
                                         width="58mm"))
    assert isinstance(printer, printers.EscposPrinter)
    return printer


def test_network_printer_keeps_one_connection_for_many_jobs(network: StartServer) -> None:
    """(Bytes arriving exactly, status and errors: tests/contract/test_printers.py.)"""
    server = network()
    printer = net_printer(server.port)
    printer.send(JOB)
    printer.send(JOB)
    assert server.wait_for(2 * len(JOB)) == JOB + JOB
    assert server.connections == 1
    assert printer.width is PaperWidth.MM58
    printer.close()


@pytest.mark.parametrize(("answers", "expected"), [
    ({1: 0x12, 2: 0x12, 4: 0x72}, PrinterStatus.PAPER_OUT),  # paper end while the printer still says on line
    ({1: 0x1A, 2: 0x12, 4: 0x12}, PrinterStatus.OFFLINE),  # off line for no cause it names
])
def test_network_status_bits(network: StartServer, answers: dict[int, int],
                             expected: PrinterStatus) -> None:
    server = network(answers)
    printer = net_printer(server.port)
    assert printer.status() is expected
    assert printer.status() is expected  # again on the same connection, no stale bytes
    printer.send(JOB)
    assert server.wait_for(len(JOB) + 12).endswith(JOB)
    printer.close()


def test_silent_printer_status_is_unknown_within_the_timeout(network: StartServer) -> None:
    server = network({})
    printer = net_printer(server.port, timeout=0.5)
    started = time.monotonic()
    assert printer.status() is PrinterStatus.UNKNOWN
    assert time.monotonic() - started < 1.5
    printer.send(JOB)  # the link still works for printing
    assert server.wait_for(3 + len(JOB)).endswith(JOB)
    printer.close()


def test_reconnects_after_the_printer_closed_the_link(network: StartServer) -> None:
    server = network(close_after_first=True)
    printer = net_printer(server.port)
    printer.send(b"uno\n")
    assert server.closed.wait(2)
    time.sleep(0.05)
    printer.send(b"dos\n")
    assert server.wait_for(8) == b"uno\ndos\n"
    assert server.connections == 2
    printer.close()


def test_serial_printer_that_does_not_answer_status_is_unknown() -> None:
    with printer_sim.SerialPrinterSim() as sim:  # answers no DLE EOT
        printer = open_printer(PrinterConfig(kind="serial", path=sim.port, baudrate=19200, timeout=0.3))
        assert isinstance(printer, printers.EscposPrinter) and printer.name.startswith("serie /dev/")
        assert printer.status() is PrinterStatus.UNKNOWN
        printer.send(JOB)  # the link still prints
        assert sim.wait_for(9 + len(JOB)).endswith(JOB)
        printer.close()


def test_directory_printer_writes_numbered_files(tmp_path: Path) -> None:
    folder = tmp_path / "impresiones"
    printer = open_printer(PrinterConfig(kind="directory", path=str(folder)))
    assert isinstance(printer, DirectoryPrinter)
    assert printer.status() is PrinterStatus.READY
    for n in range(3):
        printer.send(JOB + bytes([n]))
    assert sorted(p.name for p in folder.iterdir()) == ["000001.bin", "000002.bin", "000003.bin"]
    assert (folder / "000002.bin").read_bytes() == JOB + b"\x01"
    (folder / "000041.bin").write_bytes(b"")
    printer.send(b"x")
    assert printer.jobs()[-1].name == "000042.bin"


def test_directory_printer_from_many_threads(tmp_path: Path) -> None:
    printer = DirectoryPrinter(tmp_path)
    threads = [threading.Thread(target=printer.send, args=(bytes([n]) * 100,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    contents = sorted(p.read_bytes() for p in printer.jobs())
    assert contents == sorted(bytes([n]) * 100 for n in range(20))
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".bin")] == []


def test_missing_device_node_is_not_created() -> None:
    printer = open_printer(PrinterConfig(kind="file", path="/dev/usb/lp-almacen-test"))
    with pytest.raises(PrinterError):
        printer.send(JOB)
    printer.status()
    assert not os.path.exists("/dev/usb/lp-almacen-test")


@pytest.mark.parametrize(("error", "words"), [
    (usb.core.USBError("Access denied (insufficient permissions)", errno=errno.EACCES), "udev"),
    (usb.core.USBError("Resource busy", errno=errno.EBUSY), "Otro programa"),
    (usb.core.USBError("No such device", errno=errno.ENODEV), "no está conectada"),
    (usb.core.NoBackendError("No backend available"), "libusb"),
    (serial.SerialException("could not open port"), "puerto serie"),
    (OSError(errno.ENOSPC, "No space left on device"), "espacio en el disco"),
    (PermissionError(errno.EACCES, "Permission denied"), "permisos"),
    (TimeoutError("timed out"), "no responde"),
    (ConnectionResetError("reset"), "Se cortó la conexión"),
    (socket.gaierror(-2, "Name or service not known"), "por la red"),
    (RuntimeError("boom"), "No se pudo imprimir"),
])
def test_error_translation(error: Exception, words: str) -> None:
    try:
        try:
            raise error
        except Exception as exc:
            raise RuntimeError("wrapped by the library") from exc
    except RuntimeError as wrapped:
        translated = errors.translate(wrapped, "de prueba", path="/dev/ttyS0", vendor_id=0x0416,
                                      product_id=0x5011)
    assert words in translated.message
    assert translated.detail
    if words == "udev":
        assert 'ATTRS{idVendor}=="0416"' in translated.message


def test_bad_configs_are_value_errors() -> None:
    for config in (PrinterConfig(kind="usb"), PrinterConfig(kind="network"), PrinterConfig(kind="serial"),
                   PrinterConfig(kind="file", path="x", width="110mm"),
                   PrinterConfig(kind="bluetooth", path="x")):  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            open_printer(config)


def test_cash_drawer_kicks_through_the_printer() -> None:
    printer = FakePrinter()
    EscposCashDrawer(printer).open()
    EscposCashDrawer(printer, pin=5).open()
    assert printer.jobs == [b"\x1bp\x0022", b"\x1bp\x0122"]
    printer.fail_next(1, PrinterStatus.OFFLINE)
    with pytest.raises(PrinterError):
        EscposCashDrawer(printer).open()


def test_fake_printer_and_drawer() -> None:
    printer = FakePrinter()
    printer.fail_next(2)
    assert printer.status() is PrinterStatus.PAPER_OUT
    for _ in range(2):
        with pytest.raises(PrinterError, match="no tiene papel"):
            printer.send(b"a")
    printer.send(b"b")
    assert printer.jobs == [b"b"] and printer.status() is PrinterStatus.READY
    printer.status_value = PrinterStatus.COVER_OPEN
    with pytest.raises(PrinterError, match="tapa"):
        printer.send(b"c")
    drawer = FakeDrawer()
    drawer.open()
    drawer.failing = PrinterStatus.OFFLINE
    with pytest.raises(PrinterError):
        drawer.open()
    assert drawer.opens == 1


def test_status_labels_are_spanish() -> None:
    assert [s.label for s in PrinterStatus] == [
        "Lista", "Poco papel", "Sin papel", "Tapa abierta", "Desconectada", "Estado desconocido"]
    assert PrinterError(PrinterStatus.PAPER_OUT).message == (
        "La impresora no tiene papel. Cambie el rollo y use Reimprimir.")
