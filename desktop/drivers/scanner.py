"""Scanners that are not keyboards: a serial scanner (pyserial) and the scanner of a Magellan scanner-scale.

Both read in a daemon thread and hand each code to a callback; a lost or garbling scanner is reported once, in
Spanish, and retried until it comes back. Keyboard-wedge scanners need none of this (they type into the field).
"""

from __future__ import annotations

import abc
import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import serial

from desktop.drivers import fakes
from desktop.drivers.ports import BarcodeInput
from desktop.drivers.scales import Scale, ScaleError
from desktop.drivers.scales.config import ScaleConfig

PROTOCOLS = ("plain", "magellan_scc", "fake")
"""``plain``: codes ending in CR, LF or CR LF; ``magellan_scc``: labels on the Magellan scale's port; ``fake``."""

BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
_READ = 0.1  # seconds one read may block, so stop() is noticed quickly
_IDLE = 0.3  # seconds of silence after which an unterminated code is a half frame
_LOST = "Se desconectó el lector de códigos ({port}). Revise el cable; mientras, escriba o escanee en el buscador."
_CANNOT_OPEN = "No se pudo abrir el lector de códigos ({port}). Revise el cable y la configuración."
_GARBLED = ("El lector de códigos envió datos ilegibles. Escanee de nuevo; si se repite, revise la velocidad "
            "del puerto ({baud} baudios).")
_HALF = "El lector de códigos envió un código incompleto. Escanee de nuevo."


@dataclass(frozen=True, slots=True)
class ScannerConfig:
    """The ``[scanner]`` settings: a serial scanner, or the scanner of the Magellan scale sharing its port."""

    protocol: str = "plain"
    port: str = ""
    baudrate: int = 9600

    def validate(self, scale: ScaleConfig | None) -> None:
        """Raises: ValueError (in Spanish) for an unknown protocol, a missing port or a Magellan without its scale."""
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"protocolo de lector desconocido: {self.protocol!r} (use {', '.join(PROTOCOLS)})")
        if self.baudrate not in BAUD_RATES:
            raise ValueError(f"velocidad del lector no válida: {self.baudrate} baudios")
        if self.protocol == "plain" and not self.port.strip():
            raise ValueError("el lector serie necesita un puerto (port), p. ej. /dev/ttyACM0")
        if self.protocol == "magellan_scc":
            if scale is None or scale.protocol != "magellan_scc":
                raise ValueError("el lector magellan_scc comparte el puerto de una balanza magellan_scc: configure "
                                 "[scale] con protocol = \"magellan_scc\"")
            if self.port and self.port != scale.port:
                raise ValueError("el lector magellan_scc usa el mismo puerto que la balanza")


def open_scanner(config: ScannerConfig, scale: Scale | None) -> BarcodeInput:
    """The scanner for ``config`` (nothing is opened until ``start``).

    Raises:
        ValueError: a Magellan scanner without a scale that can hand over its scans.
    """
    if config.protocol == "fake":
        return fakes.FakeScanner()
    if config.protocol == "magellan_scc":
        if scale is None or not callable(getattr(scale, "poll_scans", None)):
            raise ValueError("el lector magellan_scc necesita la balanza Magellan en el mismo puerto")
        return ScaleScanner(scale)
    return SerialScanner(config.port, baudrate=config.baudrate)


class _Reader(abc.ABC):
    """The thread, the callbacks and the "say each problem once" rule shared by both scanners."""

    name = ""

    def __init__(self) -> None:
        self._on_code: Callable[[str], None] = lambda code: None
        self._on_error: Callable[[str], None] = lambda message: None
        self._problem = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, on_code: Callable[[str], None], on_error: Callable[[str], None]) -> None:
        """Start reading in a daemon thread (a second call while running does nothing)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._on_code, self._on_error = on_code, on_error
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"scanner {self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Stop the thread (waits at most ``timeout`` seconds) and release the port."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @abc.abstractmethod
    def _run(self) -> None:
        """The reading loop of the thread (serial port, or the scanner-scale's shared port)."""

    def _report(self, message: str) -> None:
        if message and message != self._problem:
            self._on_error(message)
        self._problem = message

    def _deliver(self, code: str) -> None:
        self._problem = ""
        self._on_code(code)


class SerialScanner(_Reader):
    """A scanner on a serial port (or pyserial URL) sending each code followed by CR, LF or CR LF.

    Codes longer than ``max_length``, with bytes outside printable ASCII, or cut off (no terminator within
    ``_IDLE`` seconds) are reported instead of scanned; a port that disappears is reopened every ``retry`` seconds.
    """

    def __init__(self, port: str, *, baudrate: int = 9600, retry: float = 2.0, max_length: int = 64) -> None:
        super().__init__()
        self.port = port
        self.name = f"serie {port}"
        self.baudrate = baudrate
        self.retry = retry
        self.max_length = max_length
        self.connected = threading.Event()
        """Set while the port is open (pyserial drops what arrived before it opened)."""

    def _run(self) -> None:
        link: Any = None
        buffer = bytearray()
        last = time.monotonic()
        try:
            while not self._stop.is_set():
                if link is None:
                    link = self._open()
                    if link is None:
                        self._stop.wait(self.retry)
                        continue
                    self.connected.set()
                try:
                    chunk = link.read(max(1, link.in_waiting))
                except Exception:  # SerialException, OSError, termios.error: the device went away
                    self.connected.clear()
                    with contextlib.suppress(Exception):
                        link.close()
                    link, buffer = None, bytearray()
                    self._report(_LOST.format(port=self.port))
                    continue
                now = time.monotonic()
                if chunk:
                    buffer += chunk
                    last = now
                    self._split(buffer)
                elif buffer and now - last > _IDLE:
                    buffer.clear()
                    self._report(_HALF)
        finally:
            self.connected.clear()
            if link is not None:
                with contextlib.suppress(Exception):
                    link.close()

    def _open(self) -> Any:
        try:
            return serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=_READ)
        except Exception:  # pyserial raises SerialException, OSError or ValueError
            self._report(_CANNOT_OPEN.format(port=self.port))
            return None

    def _split(self, buffer: bytearray) -> None:
        while True:
            ends = [i for i in (buffer.find(b"\r"), buffer.find(b"\n")) if i >= 0]
            if not ends:
                break
            end = min(ends)
            line = bytes(buffer[:end]).strip()
            del buffer[:end + 1]
            if line:
                self._line(line)
        if len(buffer) > self.max_length:
            buffer.clear()
            self._report(_GARBLED.format(baud=self.baudrate))

    def _line(self, line: bytes) -> None:
        if len(line) > self.max_length or not all(0x20 <= byte < 0x7F for byte in line):
            self._problem = ""  # garbage twice in a row is said twice: the cashier scanned twice
            self._report(_GARBLED.format(baud=self.baudrate))
            return
        self._deliver(line.decode("ascii"))


class ScaleScanner(_Reader):
    """The scanner of a scanner-scale: polls ``scale.poll_scans()`` (labels share the scale's port)."""

    def __init__(self, scale: Any, *, interval: float = 0.1) -> None:
        super().__init__()
        self.scale = scale
        self.name = f"balanza {getattr(scale, 'port', '')}".strip()
        self.interval = interval

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                codes = self.scale.poll_scans()
            except ScaleError as error:
                self._report(f"Lector de la balanza: {error.message}")
                self._stop.wait(1.0)
                continue
            for code in codes:
                self._deliver(code)
            self._stop.wait(self.interval)
