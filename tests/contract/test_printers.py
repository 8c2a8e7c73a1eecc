"""The receipt-printer contract (``desktop.drivers.ports.ReceiptPrinter``): one set of cases run against every printer.

The fake, and the ESC/POS driver on a file, a folder, a serial printer on a pseudo-terminal and a TCP printer (both
simulated by ``desktop.drivers.printer_sim``). To add a printer, add a :class:`Printer` to ``PRINTERS`` (and how it
looks when unplugged to ``GONE``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.drivers import escpos_render, printer_sim
from desktop.drivers.fakes import FakePrinter
from desktop.drivers.ports import PrinterError, PrinterStatus, ReceiptPrinter
from desktop.drivers.printers import DirectoryPrinter, PrinterConfig, open_printer
from desktop.drivers.receipt import PaperWidth, TextReport

S = PrinterStatus
RECEIPT = escpos_render.render_report(
    TextReport("PRUEBA", ("Impresora de prueba",), (("Ñandú", "$1.990"), ("Total", "$1.990"))), PaperWidth.MM58)
KICK = escpos_render.drawer_pulse(2)


@dataclass(frozen=True)
class Rig:
    """A printer under test: ``received(n)`` is every byte its device got (waiting until there are ``n``);
    ``set_status`` makes the device report a status, None for a device that cannot tell (a file, a folder)."""

    printer: ReceiptPrinter
    received: Callable[[int], bytes]
    set_status: Callable[[PrinterStatus], None] | None = None


@contextlib.contextmanager
def _fake(tmp_path: Path) -> Iterator[Rig]:
    printer = FakePrinter()

    def set_status(status: PrinterStatus) -> None:
        printer.status_value = status

    yield Rig(printer, lambda n: b"".join(printer.jobs), set_status)


@contextlib.contextmanager
def _file(tmp_path: Path) -> Iterator[Rig]:
    path = tmp_path / "lp0"
    printer = open_printer(PrinterConfig(kind="file", path=str(path)))
    yield Rig(printer, lambda n: path.read_bytes() if path.exists() else b"")
    _close(printer)


@contextlib.contextmanager
def _directory(tmp_path: Path) -> Iterator[Rig]:
    printer = DirectoryPrinter(tmp_path / "impresiones")
    yield Rig(printer, lambda n: b"".join(job.read_bytes() for job in printer.jobs()))


@contextlib.contextmanager
def _serial(tmp_path: Path) -> Iterator[Rig]:
    with printer_sim.SerialPrinterSim(printer_sim.STATUS_BYTES[S.READY]) as sim:
        printer = open_printer(PrinterConfig(kind="serial", path=sim.port, baudrate=19200, timeout=0.5))
        yield Rig(printer, sim.wait_for, sim.set_status)
        _close(printer)


@contextlib.contextmanager
def _network(tmp_path: Path) -> Iterator[Rig]:
    with printer_sim.NetworkPrinterSim(printer_sim.STATUS_BYTES[S.READY]) as sim:
        printer = open_printer(PrinterConfig(kind="network", host="127.0.0.1", port=sim.port, timeout=2))
        yield Rig(printer, sim.wait_for, sim.set_status)
        _close(printer)


def _close(printer: ReceiptPrinter) -> None:
    close = getattr(printer, "close", None)
    if close is not None:
        close()


PRINTERS: dict[str, Callable[[Path], contextlib.AbstractContextManager[Rig]]] = {
    "fake": _fake, "file": _file, "directory": _directory, "serial-pty": _serial, "network": _network,
}


@pytest.fixture(params=sorted(PRINTERS))
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Rig]:
    with PRINTERS[request.param](tmp_path) as opened:
        yield opened


@pytest.fixture(params=sorted(name for name in PRINTERS if name not in ("file", "directory")))
def telling(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Rig]:
    """A printer whose device reports its status (paper, cover, on line)."""
    with PRINTERS[request.param](tmp_path) as opened:
        assert opened.set_status is not None
        yield opened


# -- printers that are not there: how each is built, and words the cashier must read ----------------------------------

def _refused_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


def _read_only_folder(tmp_path: Path) -> Path:
    if os.geteuid() == 0:  # root writes anywhere but sysfs
        return Path("/sys")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    return folder


def _gone_fake(tmp_path: Path) -> ReceiptPrinter:
    printer = FakePrinter()
    printer.status_value = S.OFFLINE
    return printer


GONE: dict[str, tuple[Callable[[Path], ReceiptPrinter], str]] = {
    "fake": (_gone_fake, "no responde"),
    "file": (lambda tmp: open_printer(PrinterConfig(kind="file", path="/dev/usb/lp-almacen-test")),
             "No se encontró la impresora"),
    "directory": (lambda tmp: DirectoryPrinter(_read_only_folder(tmp)), "permisos"),
    "serial-pty": (lambda tmp: open_printer(PrinterConfig(kind="serial", path="/dev/ttyNOPE99", timeout=0.2)),
                   "puerto serie /dev/ttyNOPE99"),
    "network": (lambda tmp: open_printer(PrinterConfig(kind="network", host="127.0.0.1", port=_refused_port())),
                "rechazó la conexión"),
    "usb": (lambda tmp: open_printer(PrinterConfig(kind="usb", vendor_id=0x0416, product_id=0x5011, timeout=0.5)),
            "USB"),
}


@pytest.fixture(params=sorted(GONE))
def gone(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[ReceiptPrinter, str]]:
    build, words = GONE[request.param]
    printer = build(tmp_path)
    yield printer, words
    _close(printer)
    with contextlib.suppress(OSError):
        (tmp_path / "ro").chmod(stat.S_IRWXU)


# -- the contract ---------------------------------------------------------------------------------------------------

def test_every_job_reaches_the_printer_byte_for_byte(rig: Rig) -> None:
    rig.printer.send(RECEIPT)
    rig.printer.send(KICK)
    rig.printer.send(RECEIPT)
    assert rig.received(2 * len(RECEIPT) + len(KICK)) == RECEIPT + KICK + RECEIPT
    assert rig.printer.name


def test_a_ready_printer_says_it_is_ready(rig: Rig) -> None:
    assert rig.printer.status() is S.READY
    assert rig.printer.status() is S.READY  # asking again reads no stale answer


@pytest.mark.parametrize("status", [S.PAPER_OUT, S.PAPER_LOW, S.COVER_OPEN, S.OFFLINE])
def test_the_printer_reports_paper_cover_and_line(telling: Rig, status: PrinterStatus) -> None:
    assert telling.set_status is not None
    telling.set_status(status)
    assert telling.printer.status() is status
    telling.set_status(S.READY)  # the roll was changed, the cover closed
    assert telling.printer.status() is S.READY


def test_out_of_paper_is_told_in_spanish(telling: Rig) -> None:
    assert telling.set_status is not None
    telling.set_status(S.PAPER_OUT)
    assert telling.printer.status().label == "Sin papel"
    assert PrinterError(telling.printer.status()).message == (
        "La impresora no tiene papel. Cambie el rollo y use Reimprimir.")


def test_a_printer_that_is_not_there_fails_in_spanish_and_reads_offline(gone: tuple[ReceiptPrinter, str]) -> None:
    printer, words = gone
    with pytest.raises(PrinterError) as caught:
        printer.send(RECEIPT)
    assert caught.value.status is S.OFFLINE
    assert words in caught.value.message, caught.value.message
    assert printer.status() is S.OFFLINE
