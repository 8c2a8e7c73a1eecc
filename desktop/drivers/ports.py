"""The printer, receipt-renderer, cash-drawer and barcode-input ports services talk to, printer status values and
their error."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PIL import Image

    from desktop.drivers.receipt import PaperWidth, Receipt, TextReport

_LABELS = {
    "READY": "Lista",
    "PAPER_LOW": "Poco papel",
    "PAPER_OUT": "Sin papel",
    "COVER_OPEN": "Tapa abierta",
    "OFFLINE": "Desconectada",
    "UNKNOWN": "Estado desconocido",
}

_MESSAGES = {
    "READY": "No se pudo imprimir. Revise la impresora y use Reimprimir.",
    "PAPER_LOW": "Queda poco papel en la impresora. Tenga un rollo nuevo a mano.",
    "PAPER_OUT": "La impresora no tiene papel. Cambie el rollo y use Reimprimir.",
    "COVER_OPEN": "La tapa de la impresora está abierta. Ciérrela y use Reimprimir.",
    "OFFLINE": "La impresora no responde. Revise que esté encendida y conectada, y use Reimprimir.",
    "UNKNOWN": "No se pudo imprimir. Revise la impresora y use Reimprimir.",
}


class PrinterStatus(enum.Enum):
    """What a receipt printer reports (``DLE EOT``, hardware.md §b4), or what we could tell without it."""

    READY = "ready"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        """Short Spanish label for the status bar ("Lista", "Sin papel"…)."""
        return _LABELS[self.name]

    @property
    def can_print(self) -> bool:
        """Whether sending a job makes sense (many cheap printers never answer, so UNKNOWN is worth a try)."""
        return self in (PrinterStatus.READY, PrinterStatus.PAPER_LOW, PrinterStatus.UNKNOWN)


class PrinterError(Exception):
    """A job could not be printed, or the drawer not opened; ``str(error)`` is for the cashier.

    Attributes:
        status: the printer's state as far as we know.
        message: Spanish text a cashier understands, saying what to do.
        detail: the technical cause (for the log, not for the screen).
    """

    def __init__(self, status: PrinterStatus, message: str | None = None, *, detail: str = "") -> None:
        self.status = status
        self.message = message or _MESSAGES[status.name]
        self.detail = detail
        super().__init__(self.message)


class ReceiptPrinter(Protocol):
    """An ESC/POS receipt printer that takes whole jobs as bytes."""

    name: str

    def send(self, data: bytes) -> None:
        """Send one job.

        Raises:
            PrinterError: the job did not reach the printer (never a third-party exception).
        """
        ...

    def status(self) -> PrinterStatus:
        """Ask the printer how it is; never raises (an unanswered query is ``UNKNOWN``)."""
        ...


class ReceiptRenderer(Protocol):
    """Turns receipts and reports into the bytes of one print job for a roll of ``width`` (ESC/POS in the shop)."""

    def receipt(self, receipt: Receipt, width: PaperWidth, *, logo: Image.Image | None = None,
                open_drawer: bool = False, drawer_pin: int = 2) -> bytes:
        """A sale's (or a return's) receipt, with the drawer kick on ``drawer_pin`` when ``open_drawer``."""
        ...

    def report(self, report: TextReport, width: PaperWidth) -> bytes:
        """A Z report, cash count or test slip."""
        ...

    def drawer_pulse(self, pin: int) -> bytes:
        """A job that only kicks the drawer on ``pin``. Raises: ValueError for a pin other than 2 or 5."""
        ...


@dataclass(frozen=True, slots=True)
class DrawerConfig:
    """The cash drawer on the printer's drawer port: which pin kicks it (2 or 5), and whether there is one."""

    pin: int = 2
    enabled: bool = True

    def validate(self) -> None:
        """Raises: ValueError for a pin other than 2 or 5."""
        if self.pin not in (2, 5):
            raise ValueError("el cajón se conecta al pin 2 o 5")


class CashDrawer(Protocol):
    """A cash drawer that can be kicked open."""

    def open(self) -> None:
        """Open the drawer.

        Raises:
            PrinterError: the pulse could not be sent (the drawer hangs off the printer).
        """
        ...


class BarcodeInput(Protocol):
    """A scanner that is not a keyboard (serial, or the scanner of a scanner-scale), read by its own thread."""

    name: str

    def start(self, on_code: Callable[[str], None], on_error: Callable[[str], None]) -> None:
        """Read in the background; ``on_code`` gets each code, ``on_error`` a Spanish sentence when the scanner
        is lost or sends garbage (both are called from the reading thread)."""
        ...

    def stop(self) -> None:
        """Stop reading and release the port; safe to call twice."""
        ...
