"""Journal errors: every sqlite3/OS failure is translated into one ``JournalError`` with a plain message."""

from __future__ import annotations

import enum
import sqlite3

from shared import errors


class JournalProblem(enum.Enum):
    LOCKED = "locked"
    READ_ONLY = "read_only"
    CORRUPT = "corrupt"
    DISK_FULL = "disk_full"
    FOREIGN = "foreign"
    MISSING = "missing"
    IO = "io"


_MESSAGES = {
    JournalProblem.LOCKED: "El diario de la caja está en uso por otro programa. Cierre la otra ventana de Almacén.",
    JournalProblem.READ_ONLY: "El diario de la caja es de solo lectura: no se pueden guardar ventas.",
    JournalProblem.CORRUPT: "El diario de la caja está dañado. No se modificó: llame a soporte antes de vender.",
    JournalProblem.DISK_FULL: "El disco está lleno: la venta no se guardó. Libere espacio y cobre de nuevo.",
    JournalProblem.FOREIGN: "Este archivo no es un diario de Almacén (o es de otra caja).",
    JournalProblem.MISSING: "No existe el diario de la caja. Use 'almacen pos init' para crearlo.",
    JournalProblem.IO: "Error de disco al usar el diario de la caja.",
}


class JournalError(errors.PosError):
    """The journal cannot be opened or written. ``problem`` says why; ``detail`` has the low-level cause."""

    def __init__(self, problem: JournalProblem, path: str, detail: str = "") -> None:
        super().__init__(_MESSAGES[problem])
        self.problem = problem
        self.path = path
        self.detail = detail

    @property
    def message(self) -> str:
        return _MESSAGES[self.problem]


def translate(exc: BaseException, path: str) -> JournalError:
    """Map a sqlite3 or OS error to the ``JournalError`` a person can act on."""
    text = str(exc).lower()
    if isinstance(exc, PermissionError) or "readonly" in text or "read-only" in text:
        problem = JournalProblem.READ_ONLY
    elif "locked" in text or "busy" in text:
        problem = JournalProblem.LOCKED
    elif "disk is full" in text or "disk or database is full" in text or "no space" in text:
        problem = JournalProblem.DISK_FULL
    elif "not a database" in text or "malformed" in text or "corrupt" in text:
        problem = JournalProblem.CORRUPT
    elif isinstance(exc, sqlite3.DatabaseError | OSError):
        problem = JournalProblem.IO
    else:
        raise exc
    return JournalError(problem, path, str(exc))
