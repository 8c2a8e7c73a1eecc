"""In-memory printer, cash drawer and scanner for tests, demo mode and development without hardware."""

from __future__ import annotations

from collections.abc import Callable

from desktop.drivers.ports import PrinterError, PrinterStatus
from desktop.drivers.receipt import PaperWidth


class FakePrinter:
    """A ``ReceiptPrinter`` that keeps every job it accepts in ``jobs``.

    ``status_value`` is what ``status()`` answers; ``fail_next(n, status)`` makes the next ``n`` sends raise
    ``PrinterError(status)`` (and ``status()`` report that status while failures remain).
    """

    def __init__(self, name: str = "impresora de prueba", *, width: PaperWidth = PaperWidth.MM80) -> None:
        self.name = name
        self.width = width
        self.jobs: list[bytes] = []
        self.status_value = PrinterStatus.READY
        self._failures: list[PrinterStatus] = []

    def fail_next(self, n: int = 1, status: PrinterStatus = PrinterStatus.PAPER_OUT) -> None:
        """Make the next ``n`` calls to ``send`` fail with ``status``."""
        self._failures.extend([status] * n)

    def send(self, data: bytes) -> None:
        """Record the job, or raise the next queued failure.

        Raises:
            PrinterError: a failure queued by ``fail_next``, or ``status_value`` if it cannot print.
        """
        if self._failures:
            raise PrinterError(self._failures.pop(0), detail="fallo simulado")
        if not self.status_value.can_print:
            raise PrinterError(self.status_value, detail="estado simulado")
        self.jobs.append(bytes(data))

    def status(self) -> PrinterStatus:
        return self._failures[0] if self._failures else self.status_value


class FakeDrawer:
    """A ``CashDrawer`` that counts ``opens``; set ``failing`` to a status to make ``open()`` raise."""

    def __init__(self) -> None:
        self.opens = 0
        self.failing: PrinterStatus | None = None

    def open(self) -> None:
        """Count one opening.

        Raises:
            PrinterError: when ``failing`` is set.
        """
        if self.failing is not None:
            raise PrinterError(self.failing, "No se pudo abrir el cajón. Ábralo con la llave.")
        self.opens += 1


class FakeScanner:
    """A ``BarcodeInput`` the test (or the demo) drives: ``emit(code)`` and ``fail(message)`` call the callbacks
    given to ``start`` (on the caller's thread); ``started`` tells whether it is reading."""

    name = "lector de prueba"

    def __init__(self) -> None:
        self.started = False
        self._on_code: Callable[[str], None] = lambda code: None
        self._on_error: Callable[[str], None] = lambda message: None

    def start(self, on_code: Callable[[str], None], on_error: Callable[[str], None]) -> None:
        self._on_code, self._on_error, self.started = on_code, on_error, True

    def stop(self) -> None:
        self.started = False

    def emit(self, code: str) -> None:
        """A code was scanned (ignored while stopped, like a real reader's)."""
        if self.started:
            self._on_code(code)

    def fail(self, message: str) -> None:
        """The scanner reports a problem."""
        if self.started:
            self._on_error(message)
