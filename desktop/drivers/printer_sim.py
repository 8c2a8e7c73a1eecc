"""ESC/POS printer simulators: a TCP printer and a serial printer on a pseudo-terminal, answering status queries.

Each keeps every byte it receives in ``received`` and answers ``DLE EOT n`` (hardware.md §b4) with the status byte
of ``n`` for the status it is set to (``set_status``); for tests and development without a printer.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time
import tty
from types import TracebackType

from desktop.drivers.ports import PrinterStatus

DLE_EOT = b"\x10\x04"
_TICK = 0.05

STATUS_BYTES: dict[PrinterStatus, dict[int, int]] = {
    PrinterStatus.READY: {1: 0x12, 2: 0x12, 4: 0x12},
    PrinterStatus.PAPER_LOW: {1: 0x12, 2: 0x12, 4: 0x1E},
    PrinterStatus.PAPER_OUT: {1: 0x1A, 2: 0x32, 4: 0x72},
    PrinterStatus.COVER_OPEN: {1: 0x1A, 2: 0x16, 4: 0x12},
    PrinterStatus.OFFLINE: {1: 0x1A, 2: 0x52, 4: 0x12},
}
"""What a printer answers to ``DLE EOT 1/2/4`` in each status (real printers' bits, fixed bits 0x12 set)."""


class _Responder:
    """Records what arrives and answers the status queries in it with ``answers`` (``{}``: stay silent)."""

    def __init__(self, answers: dict[int, int] | None) -> None:
        self.answers = dict(answers or {})
        self.received = bytearray()
        self._pending = b""
        self._lock = threading.Lock()

    def set_status(self, status: PrinterStatus) -> None:
        """Answer status queries as a printer in ``status`` from now on."""
        with self._lock:
            self.answers = dict(STATUS_BYTES[status])

    def feed(self, chunk: bytes) -> bytes:
        """Take ``chunk`` as received and return the answers to send back."""
        with self._lock:
            self.received += chunk
            pending, out = self._pending + chunk, bytearray()
            while (at := pending.find(DLE_EOT)) >= 0 and len(pending) > at + 2:
                answer = self.answers.get(pending[at + 2])
                if answer is not None:
                    out.append(answer)
                pending = pending[at + 3:]
            self._pending = pending[-2:]
            return bytes(out)

    def wait_for(self, count: int, timeout: float = 3.0) -> bytes:
        """The bytes received once there are ``count`` of them (or what came within ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        with self._lock:
            return bytes(self.received)


class NetworkPrinterSim(_Responder):
    """A TCP printer on 127.0.0.1 (``port``), one connection at a time; ``connections`` counts them.

    With ``close_after_first`` it closes the first connection after its first bytes (a printer that dropped the
    link between jobs); ``closed`` is set then.
    """

    def __init__(self, answers: dict[int, int] | None = None, *, close_after_first: bool = False) -> None:
        super().__init__(answers)
        self.close_after_first = close_after_first
        self.connections = 0
        self.closed = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(_TICK)
        self.port: int = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="printer-sim-tcp", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:  # closed under us
                return
            self.connections += 1
            with conn:
                self._handle(conn)

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(_TICK)
        while not self._stop.is_set():
            try:
                chunk = conn.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            answer = self.feed(chunk)
            if answer:
                conn.sendall(answer)
            if self.close_after_first:
                self.close_after_first = False
                conn.shutdown(socket.SHUT_RDWR)
                self.closed.set()
                return

    def close(self) -> None:
        """Stop serving and free the port. Safe to call twice."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(2)
        self._server.close()

    def __enter__(self) -> NetworkPrinterSim:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


class SerialPrinterSim(_Responder):
    """A serial printer on the slave side of a fresh pty (``port``), answered from a thread."""

    def __init__(self, answers: dict[int, int] | None = None) -> None:
        super().__init__(answers)
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="printer-sim-pty", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                if not select.select([self._master], [], [], _TICK)[0]:
                    continue
                chunk = os.read(self._master, 4096)
            except (OSError, ValueError):  # closed under us
                return
            answer = self.feed(chunk)
            if answer:
                os.write(self._master, answer)

    def close(self) -> None:
        """Stop answering and close the pty. Safe to call twice."""
        if self._stop.is_set():
            return
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(2)
        os.close(self._master)
        os.close(self._slave)

    def __enter__(self) -> SerialPrinterSim:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()
