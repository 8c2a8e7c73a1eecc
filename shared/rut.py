"""Chilean RUT (Rol Único Tributario): parse, validate and format, using python-stdnum's ``cl.rut``."""

from __future__ import annotations

from dataclasses import dataclass

from stdnum import exceptions as stdnum_errors
from stdnum.cl import rut as stdnum_rut

from shared import errors, es_cl


@dataclass(frozen=True, slots=True, order=True)
class Rut:
    """A valid RUT: ``body`` is the number, ``dv`` the módulo-11 check digit (``"0"``-``"9"`` or ``"K"``)."""

    body: int
    dv: str

    def __str__(self) -> str:
        """The format printed on documents: ``12.345.678-5``."""
        return f"{es_cl.number(self.body)}-{self.dv}"

    @property
    def compact(self) -> str:
        """The SII XML form: ``12345678-5``."""
        return f"{self.body}-{self.dv}"


def parse(value: str) -> Rut:
    """Read a RUT as people write it (``12.345.678-5``, ``12345678-5``, ``123456785``, lower-case ``k``).

    Raises:
        InvalidRut: wrong length, non-digits, or a check digit that does not match (módulo 11).
    """
    try:
        compact = stdnum_rut.validate(value)
    except stdnum_errors.InvalidChecksum:
        raise errors.InvalidRut(value, "dígito verificador incorrecto") from None
    except stdnum_errors.ValidationError:
        raise errors.InvalidRut(value, "formato inválido") from None
    return Rut(body=int(compact[:-1]), dv=compact[-1])


def is_valid(value: str) -> bool:
    """True when ``value`` is a well-formed RUT with the right check digit."""
    return bool(stdnum_rut.is_valid(value))


def format(value: str) -> str:
    """Normalise a RUT to ``12.345.678-5``.

    Raises:
        InvalidRut: as :func:`parse`.
    """
    return str(parse(value))
