"""A serial scale over pyserial: asks, reads one frame with a deadline, retries once, and speaks Spanish on errors."""

from __future__ import annotations

import contextlib
import errno
import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import serial
import serial.tools.list_ports

from desktop.drivers.scales import protocols
from desktop.drivers.scales.reading import Reading, ScaleError, ScaleState

_POLL = 0.02  # seconds one pyserial read may block; the deadline is checked between reads
_NOT_CONNECTED = "La balanza no está conectada ({port}). Revise el cable y que esté encendida."
_NO_PERMISSION = ("No hay permiso para usar la balanza ({port}). Avise al técnico: el usuario de la caja debe "
                  "estar en el grupo dialout.")
_BUSY = "Otro programa está usando la balanza ({port}). Ciérrelo e intente de nuevo."
_CANNOT_OPEN = "No se pudo abrir la balanza ({port}). Revise el cable, que esté encendida y la configuración."
_LOST = "Se perdió la conexión con la balanza ({port}). Revise el cable y que esté encendida."
_WRONG_SETTINGS = ("La balanza envía datos con otra configuración de puerto. Configure la balanza y la caja en "
                   "{settings} ({title}).")
_UNSUPPORTED = "La balanza {title} no permite {what} desde la caja. Use el botón de la balanza."


@dataclass(frozen=True, slots=True)
class PortInfo:
    """A serial port the system knows about, for the device settings page."""

    device: str
    description: str
    hwid: str


def list_serial_ports() -> list[PortInfo]:
    """The serial ports present now (``/dev/ttyUSB0``, ``COM3``…), sorted by device name; never raises."""
    try:
        ports = serial.tools.list_ports.comports()
    except Exception:  # a broken sysfs/registry entry must not break the settings page
        return []
    return sorted((PortInfo(p.device, p.description or "", p.hwid or "") for p in ports), key=lambda p: p.device)


class _Again(Exception):
    """This attempt failed in a way worth one more try; ``error`` is what to raise if the retry fails too."""

    def __init__(self, error: ScaleError) -> None:
        super().__init__(error.message)
        self.error = error


def _open_error(exc: BaseException, port: str) -> ScaleError:
    number, text = getattr(exc, "errno", None), str(exc)
    if isinstance(exc, ValueError):  # pyserial: unknown URL scheme or bad setting
        message = f"La dirección de la balanza no es válida ({port}). Revise la configuración."
    elif number in (errno.ENOENT, errno.ENODEV, errno.ENXIO) or "FileNotFoundError" in text:  # Windows: no errno
        message = _NOT_CONNECTED.format(port=port)
    elif number in (errno.EACCES, errno.EPERM):
        message = _NO_PERMISSION.format(port=port)
    elif number == errno.EBUSY or "PermissionError" in text:  # Windows says "Access is denied" for a busy COM port
        message = _BUSY.format(port=port)
    else:
        message = _CANNOT_OPEN.format(port=port)
    return ScaleError(ScaleState.OFFLINE, message, detail=f"{type(exc).__name__}: {exc}")


class SerialScale:
    """A ``Scale`` on a serial port or pyserial URL (``/dev/ttyUSB0``, ``COM3``, ``socket://host:4001``, ``loop://``).

    Args:
        port: device path or pyserial URL.
        protocol: a name in ``protocols.PROTOCOLS`` (``"toledo8217"``, ``"cas_ecr"``…).
        timeout: seconds to wait for one answer (handshake included) before reporting ``NO_ANSWER``.
        tare_grams: software tare, in grams, taken off every weight (a container the store always uses).
        lazy: open the port on the first read instead of now (the terminal starts even with the scale unplugged).

    Raises:
        ScaleError: unknown protocol, or (unless ``lazy``) the port cannot be opened (missing, no permission, busy).
    """

    def __init__(self, port: str, protocol: str, *, timeout: float = 0.5, tare_grams: int = 0,
                 lazy: bool = False) -> None:
        self.port = port
        self.dialect = protocols.get(protocol)
        self.timeout = timeout
        self.tare_grams = tare_grams
        self._lock = threading.Lock()
        self._serial: Any = None
        self._scans: list[str] = []
        self._rest = bytearray()  # the start of a scanner frame still arriving (scanner-scale)
        self._received = 0
        self._closed = False
        if not lazy:
            self._open()

    def read(self) -> Reading:
        """Ask for the weight and wait at most ``timeout`` seconds (twice if the first answer was bad).

        Returns:
            The reading (grams int, state); ``NO_ANSWER`` when nothing at all came back in time.

        Raises:
            ScaleError: the port is gone (``OFFLINE``), or two answers in a row were garbled, incomplete, damaged
                or refused (``ERROR``), with a Spanish message saying what to check.
        """
        with self._lock:
            self._ensure_open()
            failure: ScaleError | None = None
            for _ in range(2):
                try:
                    return self._attempt().minus_tare(self.tare_grams)
                except _Again as again:
                    failure = again.error
            assert failure is not None
            raise failure

    def zero(self) -> None:
        """Set the scale to zero (Toledo ``Z``).

        Raises:
            ScaleError: the protocol has no zero command, or the port is gone.
        """
        self._command(self.dialect.zero_command, "poner en cero")

    def tare(self) -> None:
        """Tare the weight on the pan (Toledo ``T``).

        Raises:
            ScaleError: the protocol has no tare command, or the port is gone.
        """
        self._command(self.dialect.tare_command, "descontar la tara")

    def take_scans(self) -> list[str]:
        """Barcodes a scanner-scale sent on this port since the last call (Magellan single cable)."""
        with self._lock:
            scans, self._scans = self._scans, []
            return scans

    def poll_scans(self) -> list[str]:
        """Barcodes a scanner-scale sent since the last call, reading what is waiting without asking for a weight.

        Raises:
            ScaleError: the port is gone (``OFFLINE``) or cannot be opened.
        """
        with self._lock:
            port = self._ensure_open()
            if self.dialect.scanner is not None:
                self._rest += self._io(lambda: port.read(port.in_waiting)) or b""
                self._cut_scans(self._rest)
            scans, self._scans = self._scans, []
            return scans

    def supports(self, command: str) -> bool:
        """Whether the protocol has ``command`` (``"zero"`` or ``"tare"``) for the till to send."""
        return bool({"zero": self.dialect.zero_command, "tare": self.dialect.tare_command}.get(command))

    def close(self) -> None:
        """Close the port; safe to call twice. Reading afterwards raises ``ScaleError``."""
        with self._lock:
            self._closed = True
            self._drop()

    def __enter__(self) -> SerialScale:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- port handling --------------------------------------------------------------------------------------------

    def _open(self) -> None:
        d = self.dialect
        try:
            port = serial.serial_for_url(self.port, do_not_open=True, baudrate=d.baudrate, bytesize=d.bytesize,
                                         parity=d.parity, stopbits=d.stopbits, timeout=_POLL,
                                         write_timeout=max(self.timeout, 0.1))
            port.open()
        except Exception as exc:  # pyserial raises SerialException, OSError or ValueError here
            raise _open_error(exc, self.port) from exc
        self._serial = port

    def _ensure_open(self) -> Any:
        if self._closed:
            raise ScaleError(ScaleState.OFFLINE, f"La balanza ({self.port}) está cerrada.", detail="closed")
        if self._serial is None:  # lost earlier: try again, the cashier may have plugged it back
            self._open()
        return self._serial

    def _drop(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            with contextlib.suppress(Exception):  # closing a vanished device may fail; it is gone either way
                port.close()

    def _io(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except Exception as exc:  # pyserial's SerialException, OSError, termios.error on a vanished device
            self._drop()
            raise ScaleError(ScaleState.OFFLINE, _LOST.format(port=self.port),
                             detail=f"{type(exc).__name__}: {exc}") from exc

    def _command(self, command: bytes, what: str) -> None:
        if not command:
            raise ScaleError(ScaleState.ERROR, _UNSUPPORTED.format(title=self.dialect.title, what=what),
                             detail=f"{self.dialect.name} has no command for {what}")
        with self._lock:
            port = self._ensure_open()
            self._io(lambda: port.write(command))

    # -- one exchange ---------------------------------------------------------------------------------------------

    def _attempt(self) -> Reading:
        d, port = self.dialect, self._serial
        deadline = time.monotonic() + self.timeout
        self._received = 0
        buffer = self._discard_input(port)
        for send, expect in d.handshake:
            self._io(functools.partial(port.write, send))
            if not self._collect(port, buffer, deadline, expect):
                return self._silence(buffer, f"no {expect!r} after {send!r}")
            del buffer[:buffer.index(expect) + 1]
        if d.request:
            self._io(functools.partial(port.write, d.request))
        first = True
        while True:
            if not self._collect(port, buffer, deadline, d.terminator):
                return self._silence(buffer, "incomplete frame")
            cut = d.cut(bytes(buffer))
            assert cut is not None
            frame, rest = cut
            buffer[:] = rest
            if d.scanner is not None and (code := d.scanner(frame)) is not None:
                self._scans.append(code)
                self._received -= len(frame)
                continue
            if d.streams and first and len(frame) < d.length:  # joined the stream mid-frame
                first = False
                continue
            try:
                return d.parse(frame)
            except ScaleError as error:
                raise _Again(error) from error

    def _discard_input(self, port: Any) -> bytearray:
        """Drop stale input; on a scanner-scale, keep the barcodes that were waiting."""
        if self.dialect.scanner is None:
            self._io(port.reset_input_buffer)
            return bytearray()
        pending, self._rest = self._rest + (self._io(lambda: port.read(port.in_waiting)) or b""), bytearray()
        self._cut_scans(pending)
        return bytearray()

    def _cut_scans(self, pending: bytearray) -> None:
        """Move every scanner frame in ``pending`` to the scans; drop other frames, keep an unfinished tail."""
        assert self.dialect.scanner is not None
        while (cut := self.dialect.cut(bytes(pending))) is not None:
            frame, pending[:] = cut
            if (code := self.dialect.scanner(frame)) is not None:
                self._scans.append(code)
        if len(pending) > 256:  # no terminator in sight: line noise, not a label
            del pending[:]

    def _collect(self, port: Any, buffer: bytearray, deadline: float, needle: bytes) -> bool:
        """Read into ``buffer`` until it holds ``needle`` or the deadline; NAK or 8-bit bytes on a 7-bit line abort."""
        d = self.dialect
        while needle not in buffer:
            if d.nak and d.nak in buffer:
                raise _Again(ScaleError(ScaleState.ERROR, protocols.DAMAGED, detail=f"NAK: {bytes(buffer)!r}"))
            if d.bytesize == 7 and any(byte & 0x80 for byte in buffer):
                message = _WRONG_SETTINGS.format(settings=d.settings, title=d.title)
                raise _Again(ScaleError(ScaleState.ERROR, message, detail=f"8-bit data: {bytes(buffer)!r}"))
            if time.monotonic() >= deadline:
                return False
            chunk = self._io(lambda: port.read(max(1, port.in_waiting)))
            self._received += len(chunk)
            buffer += chunk
        return True

    def _silence(self, buffer: bytearray, why: str) -> Reading:
        """Deadline passed: ``NO_ANSWER`` if nothing came, otherwise a half frame worth one retry."""
        if self._received <= 0:
            return Reading(0, ScaleState.NO_ANSWER, b"")
        message = protocols.INCOMPLETE
        if sum(byte >= 0x80 for byte in buffer) > len(buffer) // 2:  # mostly 8-bit bytes: not a lost tail
            message = _WRONG_SETTINGS.format(settings=self.dialect.settings, title=self.dialect.title)
        raise _Again(ScaleError(ScaleState.ERROR, message, detail=f"{why}: {bytes(buffer)!r}"))
