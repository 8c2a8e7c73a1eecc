"""Real receipt printers over python-escpos connectors (network, serial, USB, file) and a job folder."""

from __future__ import annotations

import errno
import os
import re
import socket
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import usb.core
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import File, Network, Serial, Usb

from desktop.drivers import errors, fakes
from desktop.drivers.escpos_render import drawer_pulse
from desktop.drivers.ports import PrinterError, PrinterStatus, ReceiptPrinter
from desktop.drivers.receipt import PaperWidth

Kind = Literal["file", "directory", "network", "serial", "usb", "fake"]
KINDS: tuple[str, ...] = ("usb", "network", "serial", "file", "directory", "fake")

DLE_EOT = b"\x10\x04"
_JOB_NAME = re.compile(r"^(\d{6})\.bin$")


@dataclass(frozen=True, slots=True)
class PrinterConfig:
    """Where the receipt printer is; ``timeout`` in seconds, ``width`` as ``PaperWidth.parse`` reads it."""

    kind: Kind
    path: str = ""
    host: str = ""
    port: int = 9100
    baudrate: int = 9600
    vendor_id: int = 0
    product_id: int = 0
    in_ep: int = 0x82
    out_ep: int = 0x01
    timeout: float = 5.0
    width: str = "80mm"


def list_usb_printers(find: Callable[..., Any] = usb.core.find) -> list[tuple[str, str]]:
    """USB devices with a printer interface (class 7) plugged in now, as ``("0416:5011", label)``; never raises
    (no libusb, no permission to read descriptors: an empty list, and the id can still be typed)."""
    try:
        devices = list(find(find_all=True))
    except Exception:  # NoBackendError, USBError: nothing to offer, nothing to tell
        return []
    found = []
    for device in devices:
        try:
            printer = any(interface.bInterfaceClass == 7 for config in device for interface in config)
            ids = f"{device.idVendor:04x}:{device.idProduct:04x}"
        except Exception:  # a device that vanished or hides its descriptors
            continue
        if printer:
            found.append((ids, f"{ids} (impresora USB)"))
    return sorted(set(found))


def open_printer(config: PrinterConfig) -> ReceiptPrinter:
    """Build the printer for ``config`` without connecting (the connection opens on the first job or query).

    Raises:
        ValueError: an unknown kind, a missing path/host/USB id, or an unknown paper width.
    """
    width = PaperWidth.parse(config.width)
    kind = config.kind
    if kind == "fake":
        return fakes.FakePrinter(width=width)
    if kind in ("file", "directory", "serial") and not config.path:
        raise ValueError(f"la impresora {kind} necesita una ruta (path)")
    if kind == "directory":
        return DirectoryPrinter(Path(config.path), width=width)
    if kind == "file":
        return EscposPrinter(f"archivo {config.path}", lambda: _AppendFile(config.path), config, width)
    if kind == "network":
        if not config.host:
            raise ValueError("la impresora de red necesita host")
        return EscposPrinter(
            f"red {config.host}:{config.port}",
            lambda: _Network(config.host, config.port, timeout=config.timeout), config, width)
    if kind == "serial":
        return EscposPrinter(f"serie {config.path}",
                             lambda: Serial(config.path, baudrate=config.baudrate, timeout=config.timeout),
                             config, width)
    if kind == "usb":
        if not (config.vendor_id and config.product_id):
            raise ValueError("la impresora USB necesita vendor_id y product_id")
        return EscposPrinter(
            f"USB {config.vendor_id:04x}:{config.product_id:04x}",
            lambda: Usb(config.vendor_id, config.product_id, timeout=int(config.timeout * 1000),
                        in_ep=config.in_ep, out_ep=config.out_ep),
            config, width)
    raise ValueError(f"tipo de impresora desconocido: {kind!r}")


class _AppendFile(File):  # type: ignore[misc]
    """python-escpos ``File`` that appends (``File`` truncates) and never creates a missing ``/dev`` node."""

    def open(self, raise_not_found: bool = True) -> None:
        self.close()  # a no-op when nothing is open
        flags = os.O_WRONLY | os.O_APPEND
        if not self.devfile.startswith("/dev/"):
            flags |= os.O_CREAT
        try:
            self.device = os.fdopen(os.open(self.devfile, flags, 0o644), "ab")
        except OSError as exc:
            self._device = None
            raise DeviceNotFoundError(f"Could not open the specified file {self.devfile}:\n{exc}") from exc


class _Network(Network):  # type: ignore[misc]
    """python-escpos ``Network`` that closes its socket when connecting fails (3.1 leaks it); IPv4 or 6."""

    def open(self, raise_not_found: bool = True) -> None:
        self.close()  # a no-op when nothing is open
        try:
            self.device = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            self._device = None
            raise DeviceNotFoundError(f"Could not open socket for {self.host}:\n{exc}") from exc


class EscposPrinter:
    """A ``ReceiptPrinter`` over one python-escpos connector, opened lazily and reopened after a failure."""

    def __init__(self, name: str, connect: Callable[[], Any], config: PrinterConfig,
                 width: PaperWidth) -> None:
        self.name = name
        self.width = width
        self._connect = connect
        self._config = config
        self._conn: Any = None
        self._lock = threading.Lock()

    def send(self, data: bytes) -> None:
        """Send one job with the connector's ``_raw``; a stale connection is retried once on a fresh one.

        Raises:
            PrinterError: with a Spanish message; the connection is dropped so the next call reopens it.
        """
        with self._lock:
            reused = self._conn is not None
            try:
                self._write(data)
            except (BrokenPipeError, ConnectionResetError) as exc:
                self._drop()
                if not reused:
                    raise self._error(exc) from exc
                try:
                    self._write(data)
                except Exception as again:
                    self._drop()
                    raise self._error(again) from again
            except Exception as exc:
                self._drop()
                raise self._error(exc) from exc

    def status(self) -> PrinterStatus:
        """Ask with ``DLE EOT 1/2/4`` where the link can read (network, serial, USB); never raises.

        Returns:
            ``OFFLINE`` when the connection cannot be opened, ``UNKNOWN`` when the printer does not answer
            within the timeout; files report ``READY`` if writable, else ``OFFLINE``.
        """
        with self._lock:
            try:
                conn = self._open()
            except Exception:
                self._drop()
                return PrinterStatus.OFFLINE
            if self._config.kind == "file":
                return PrinterStatus.READY
            try:
                return _status_from_bytes(lambda n: self._ask(conn, n))
            except (TimeoutError, usb.core.USBTimeoutError):
                return PrinterStatus.UNKNOWN
            except Exception:
                self._drop()
                return PrinterStatus.OFFLINE

    def _open(self) -> Any:
        if self._conn is None:
            conn = self._connect()
            conn.open()
            if not conn._device:
                raise DeviceNotFoundError(f"{self.name}: no device")
            if self._config.kind == "serial":
                conn.device.write_timeout = self._config.timeout
            self._conn = conn
        return self._conn

    def close(self) -> None:
        """Close the connection (the next job reopens it)."""
        with self._lock:
            self._drop()

    def _write(self, data: bytes) -> None:
        reused = self._conn is not None
        conn = self._open()
        if reused and self._config.kind == "network":
            _drain_socket(conn.device)  # notices a printer that closed the link since the last job
        conn._raw(data)
        if self._config.kind == "serial":
            conn.device.flush()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # closing a broken link may fail too; nothing to tell the cashier
                conn._device = False

    def _ask(self, conn: Any, n: int) -> int | None:
        """Send ``DLE EOT n`` and return the last valid status byte (fixed bits 0x12), ``None`` if invalid.

        Raises:
            TimeoutError, usb.core.USBTimeoutError: no answer within the timeout.
        """
        kind = self._config.kind
        if kind == "network":
            _drain_socket(conn.device)
        elif kind == "serial":
            conn.device.reset_input_buffer()
        conn._raw(DLE_EOT + bytes([n]))
        if kind == "network":
            reply = conn.device.recv(16)
            if not reply:
                raise ConnectionResetError("the printer closed the connection")
        elif kind == "serial":
            reply = conn.device.read(1)
            if not reply:
                raise TimeoutError("no status byte")
        else:
            reply = bytes(conn.device.read(conn.in_ep, 16, int(self._config.timeout * 1000)))
        valid = [byte for byte in reply if byte & 0x93 == 0x12]
        return valid[-1] if valid else None

    def _error(self, exc: BaseException) -> PrinterError:
        config = self._config
        return errors.translate(exc, self.name, path=config.path, vendor_id=config.vendor_id,
                                product_id=config.product_id)


def _drain_socket(sock: socket.socket) -> None:
    """Throw away bytes already waiting (late answers to an earlier query); notice a closed link.

    Raises:
        ConnectionResetError: the printer closed the connection.
    """
    timeout = sock.gettimeout()
    sock.settimeout(0.0)  # MSG_DONTWAIT alone still waits: CPython polls first on sockets with a timeout
    try:
        while True:
            if not sock.recv(1024):
                raise ConnectionResetError("the printer closed the connection")
    except BlockingIOError:
        return
    finally:
        sock.settimeout(timeout)


def _status_from_bytes(ask: Callable[[int], int | None]) -> PrinterStatus:
    """Map ``DLE EOT`` answers to a status (hardware.md §b4).

    n=1 bit 3 offline; then n=2 bit 2 cover open, bit 5 paper end; n=4 bits 5+6 (0x60) paper end, bits 2+3
    (0x0C) near end.
    """
    printer = ask(1)
    if printer is None:
        return PrinterStatus.UNKNOWN
    paper = ask(4)
    if paper is not None and paper & 0x60:
        return PrinterStatus.PAPER_OUT
    if printer & 0x08:
        cause = ask(2)
        if cause is not None and cause & 0x04:
            return PrinterStatus.COVER_OPEN
        if cause is not None and cause & 0x20:
            return PrinterStatus.PAPER_OUT
        return PrinterStatus.OFFLINE
    if paper is not None and paper & 0x0C:
        return PrinterStatus.PAPER_LOW
    return PrinterStatus.READY


class DirectoryPrinter:
    """Writes each job atomically as the next numbered file ``NNNNNN.bin`` in a folder (demo mode, tests)."""

    def __init__(self, path: Path, *, width: PaperWidth = PaperWidth.MM80) -> None:
        self.path = path
        self.width = width
        self.name = f"carpeta {path}"
        self._lock = threading.Lock()

    def send(self, data: bytes) -> None:
        """Write ``data`` to a temporary file, fsync, then hard-link it under the next free number.

        Raises:
            PrinterError: the folder cannot be created or written (permissions, full disk…).
        """
        with self._lock:
            tmp: str | None = None
            try:
                self.path.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=".job-", suffix=".tmp", dir=self.path)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                self._publish(Path(tmp))
            except OSError as exc:
                raise errors.translate(exc, self.name, path=str(self.path)) from exc
            finally:
                if tmp is not None and os.path.exists(tmp):
                    os.unlink(tmp)

    def status(self) -> PrinterStatus:
        """``READY`` if a file can be created in the folder, else ``OFFLINE``."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.path):
                return PrinterStatus.READY
        except OSError:
            return PrinterStatus.OFFLINE

    def jobs(self) -> list[Path]:
        """The job files written so far, oldest first."""
        if not self.path.is_dir():
            return []
        return sorted(p for p in self.path.iterdir() if _JOB_NAME.match(p.name))

    def _publish(self, tmp: Path) -> None:
        taken = [int(match.group(1)) for p in self.path.iterdir() if (match := _JOB_NAME.match(p.name))]
        number = max(taken, default=0) + 1
        while True:
            target = self.path / f"{number:06d}.bin"
            try:
                os.link(tmp, target)
                break
            except FileExistsError:
                number += 1
            except OSError as exc:  # no hard links on this file system (FAT, some network shares)
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                    raise
                if target.exists():
                    number += 1
                    continue
                os.replace(tmp, target)
                break
        dir_fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class EscposCashDrawer:
    """A ``CashDrawer`` on the printer's drawer port: sends python-escpos ``cashdraw(pin)`` (``ESC p``)."""

    def __init__(self, printer: ReceiptPrinter, pin: int = 2) -> None:
        self.printer = printer
        self.pulse = drawer_pulse(pin)

    def open(self) -> None:
        """Kick the drawer open.

        Raises:
            PrinterError: from the printer.
        """
        self.printer.send(self.pulse)
