"""Translation of OS and third-party printer errors into ``PrinterError`` with messages for the cashier."""

from __future__ import annotations

import errno
import socket

import serial
import usb.core
from escpos.exceptions import DeviceNotFoundError

from desktop.drivers.ports import PrinterError, PrinterStatus

_RETRY = "use Reimprimir"
_UDEV_HINT = ('Avise al técnico: falta una regla udev, p. ej. SUBSYSTEM=="usb", '
              'ATTRS{{idVendor}}=="{vid:04x}", ATTRS{{idProduct}}=="{pid:04x}", MODE="0664", GROUP="lp", '
              'y agregar el usuario al grupo lp.')
_NOT_FOUND = "No se encontró la impresora {name}. Revise que esté encendida y conectada, y " + _RETRY + "."
_NO_ANSWER = "La impresora {name} no responde. Revise que esté encendida y conectada, y " + _RETRY + "."


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def translate(exc: BaseException, name: str, *, path: str = "", vendor_id: int = 0,
              product_id: int = 0) -> PrinterError:
    """Turn a third-party or OS error (or any error it was raised from) into a ``PrinterError``.

    Args:
        exc: what python-escpos, pyserial, pyusb, socket or the OS raised.
        name: the printer as the cashier knows it (``"red 192.168.1.50:9100"``).
        path: serial port or file the printer uses, for the message.
        vendor_id, product_id: USB ids, for the udev hint.

    Returns:
        ``PrinterError`` whose message says in Spanish what to do; ``detail`` keeps the causes for the log.
    """
    chain = _causes(exc)
    detail = " <- ".join(f"{type(e).__name__}: {e}" for e in chain)
    offline = PrinterStatus.OFFLINE

    def error(message: str, status: PrinterStatus = offline) -> PrinterError:
        return PrinterError(status, message, detail=detail)

    for cause in chain:
        if isinstance(cause, PrinterError):
            return cause
        if isinstance(cause, usb.core.NoBackendError):
            return error("No se puede usar la impresora USB: falta libusb en este equipo. Avise al técnico "
                         "(paquete libusb-1.0-0).")
        if isinstance(cause, usb.core.USBTimeoutError):
            return error(_NO_ANSWER.format(name=name))
        if isinstance(cause, usb.core.USBError):
            if cause.errno in (errno.EACCES, errno.EPERM) or "access denied" in str(cause).lower():
                hint = _UDEV_HINT.format(vid=vendor_id, pid=product_id)
                return error(f"No hay permiso para usar la impresora USB. {hint}")
            if cause.errno == errno.EBUSY:
                return error(f"Otro programa está usando la impresora USB. Ciérrelo y {_RETRY}.")
            return error(f"La impresora USB no está conectada o se desconectó. Revise el cable y {_RETRY}.")
        if isinstance(cause, serial.SerialTimeoutException):
            return error(f"La impresora {name} no recibe datos. Revise que esté encendida y {_RETRY}.")
        if isinstance(cause, serial.SerialException):
            return error(f"No se pudo usar el puerto serie {path}. Revise el cable y que la impresora "
                         f"esté encendida, y {_RETRY}.")
        if isinstance(cause, ConnectionRefusedError):
            return error(f"La impresora {name} rechazó la conexión. Revise que esté encendida y conectada "
                         f"a la red, y {_RETRY}.")
        if isinstance(cause, TimeoutError):
            return error(_NO_ANSWER.format(name=name))
        if isinstance(cause, ConnectionError):
            return error(f"Se cortó la conexión con la impresora {name}. Revise el cable y {_RETRY}.")
        if isinstance(cause, socket.gaierror) or (isinstance(cause, OSError) and cause.errno in (
                errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN)):
            return error(f"No se llega a la impresora {name} por la red. Revise el cable de red y {_RETRY}.")
        if isinstance(cause, OSError) and cause.errno == errno.ENOSPC:
            return error("No queda espacio en el disco para guardar la impresión. Avise al encargado.")
        if isinstance(cause, PermissionError) or (isinstance(cause, OSError) and cause.errno == errno.EROFS):
            return error(f"El sistema no permite usar la impresora {name} (permisos). Avise al técnico.")
        if isinstance(cause, OSError) and cause.errno in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
            return error(_NOT_FOUND.format(name=name))
    if any(isinstance(cause, DeviceNotFoundError) for cause in chain):
        return error(_NOT_FOUND.format(name=name))
    if any(isinstance(cause, OSError) for cause in chain):
        return error(f"Falló la comunicación con la impresora {name}. Revise la impresora y {_RETRY}.")
    return error(f"No se pudo imprimir en {name}. Revise la impresora y {_RETRY}.", PrinterStatus.UNKNOWN)
