"""Printer connections against real sockets, pseudo-terminals and folders; error translation; fakes."""

from __future__ import annotations

import errno
import os
import select
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import serial
import usb.core

from desktop.drivers import errors, escpos_render, printers
from desktop.drivers.fakes import FakeDrawer, FakePrinter
from desktop.drivers.ports import PrinterError, PrinterStatus
from desktop.drivers.printers import DirectoryPrinter, EscposCashDrawer, PrinterConfig, open_printer
from desktop.drivers.receipt import PaperWidth, TextReport

JOB = escpos_render.render_report(
    TextReport("PRUEBA", ("Impresora de prueba",), (("Ñandú", "$1.990"), ("Total", "$1.990"))),
    PaperWidth.MM58)


class FakeNetworkPrinter:
    """A TCP printer on 127.0.0.1: records every byte and answers ``DLE EOT n`` with ``answers[n]``."""

    def __init__(self, answers: dict[int, int] | None = None, *, close_after_first: bool = False) -> None:
        self.answers = answers or {}
        self.close_after_first = close_after_first
        self.received = bytearray()
        self.connections = 0
        self.closed = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.1)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with conn:
                self._handle(conn)

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(0.1)
        pending = b""
        while not self._stop.is_set():
            try:
                chunk = conn.recv(4096)
            except TimeoutError:
                continue
            if not chunk:
                return
            self.received += chunk
            pending += chunk
            while (at := pending.find(b"\x10\x04")) >= 0 and len(pending) > at + 2:
                answer = self.answers.get(pending[at + 2])
                if answer is not None:
                    conn.sendall(bytes([answer]))
                pending = pending[at + 3:]
            pending = pending[-2:]
            if self.close_after_first:
                self.close_after_first = False
                conn.shutdown(socket.SHUT_RDWR)
                self.closed.set()
                return

    def wait_for(self, count: int, timeout: float = 3.0) -> bytes:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return bytes(self.received)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._server.close()


StartServer = Callable[..., FakeNetworkPrinter]


@pytest.fixture
def network() -> Iterator[StartServer]:
    """Starts ``FakeNetworkPrinter``s and stops them after the test."""
    servers: list[FakeNetworkPrinter] = []

    def start(answers: dict[int, int] | None = None, *,
              close_after_first: bool = False) -> FakeNetworkPrinter:
        server = FakeNetworkPrinter(answers, close_after_first=close_after_first)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def net_printer(port: int, timeout: float = 2.0) -> printers.EscposPrinter:
    printer = open_printer(PrinterConfig(kind="network", host="127.0.0.1", port=port, timeout=timeout,
                                         width="58mm"))
    assert isinstance(printer, printers.EscposPrinter)
    return printer


def test_network_printer_receives_the_exact_bytes(network: StartServer) -> None:
    server = network()
    printer = net_printer(server.port)
    printer.send(JOB)
    printer.send(JOB)
    assert server.wait_for(2 * len(JOB)) == JOB + JOB
    assert server.connections == 1
    assert printer.width is PaperWidth.MM58
    printer.close()


@pytest.mark.parametrize(("answers", "expected"), [
    ({1: 0x12, 2: 0x12, 4: 0x12}, PrinterStatus.READY),
    ({1: 0x12, 2: 0x12, 4: 0x1E}, PrinterStatus.PAPER_LOW),
    ({1: 0x1A, 2: 0x32, 4: 0x72}, PrinterStatus.PAPER_OUT),
    ({1: 0x12, 2: 0x12, 4: 0x72}, PrinterStatus.PAPER_OUT),
    ({1: 0x1A, 2: 0x16, 4: 0x12}, PrinterStatus.COVER_OPEN),
    ({1: 0x1A, 2: 0x52, 4: 0x12}, PrinterStatus.OFFLINE),
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


def test_refused_connection_is_offline_in_spanish() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    printer = net_printer(port)
    with pytest.raises(PrinterError) as caught:
        printer.send(JOB)
    assert caught.value.status is PrinterStatus.OFFLINE
    assert "rechazó la conexión" in str(caught.value) and "Reimprimir" in str(caught.value)
    assert "ConnectionRefusedError" in caught.value.detail
    assert printer.status() is PrinterStatus.OFFLINE


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


def test_serial_printer_on_a_pseudo_terminal() -> None:
    master, slave = os.openpty()
    try:
        config = PrinterConfig(kind="serial", path=os.ttyname(slave), baudrate=19200, timeout=0.3)
        printer = open_printer(config)
        printer.send(JOB)
        received = b""
        while len(received) < len(JOB) and select.select([master], [], [], 2)[0]:
            received += os.read(master, 4096)
        assert received == JOB
        assert printer.status() is PrinterStatus.UNKNOWN  # nobody answers DLE EOT on the other end
        assert printer.name.startswith("serie /dev/")
        assert isinstance(printer, printers.EscposPrinter)
        printer.close()
    finally:
        os.close(master)
        os.close(slave)


def test_serial_port_that_does_not_exist() -> None:
    printer = open_printer(PrinterConfig(kind="serial", path="/dev/ttyNOPE99", timeout=0.2))
    with pytest.raises(PrinterError) as caught:
        printer.send(JOB)
    assert caught.value.status is PrinterStatus.OFFLINE
    assert "puerto serie /dev/ttyNOPE99" in str(caught.value)
    assert printer.status() is PrinterStatus.OFFLINE


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


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody can create files in (sysfs when running as root, which ignores file modes)."""
    if os.geteuid() == 0:
        yield Path("/sys")
        return
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    yield folder
    folder.chmod(stat.S_IRWXU)


def test_read_only_directory_is_a_printer_error(read_only_dir: Path) -> None:
    printer = DirectoryPrinter(read_only_dir)
    with pytest.raises(PrinterError) as caught:
        printer.send(JOB)
    assert caught.value.status is PrinterStatus.OFFLINE
    assert "permisos" in str(caught.value)
    assert printer.status() is PrinterStatus.OFFLINE


def test_file_printer_appends(tmp_path: Path) -> None:
    path = tmp_path / "lp0"
    printer = open_printer(PrinterConfig(kind="file", path=str(path)))
    assert printer.status() is PrinterStatus.READY
    printer.send(b"uno")
    printer.send(b"dos")
    assert path.read_bytes() == b"unodos"
    assert isinstance(printer, printers.EscposPrinter)
    printer.close()


def test_missing_device_node_is_not_created() -> None:
    printer = open_printer(PrinterConfig(kind="file", path="/dev/usb/lp-almacen-test"))
    with pytest.raises(PrinterError) as caught:
        printer.send(JOB)
    assert "No se encontró la impresora" in str(caught.value)
    assert not os.path.exists("/dev/usb/lp-almacen-test")
    assert printer.status() is PrinterStatus.OFFLINE


def test_usb_without_device_is_a_printer_error() -> None:
    printer = open_printer(PrinterConfig(kind="usb", vendor_id=0x0416, product_id=0x5011, timeout=0.5))
    with pytest.raises(PrinterError) as caught:
        printer.send(JOB)
    assert caught.value.status is PrinterStatus.OFFLINE
    assert "USB" in str(caught.value)
    assert printer.status() is PrinterStatus.OFFLINE


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
