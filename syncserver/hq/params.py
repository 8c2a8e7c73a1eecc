"""Strict reading of HQ's query and form values: each function reads one field or raises :class:`BadInput` naming it
(shown as a 400 page in Spanish by :mod:`syncserver.hq.errors`); only ASCII digits count as digits."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Final, Protocol, TypeVar

from starlette.datastructures import ImmutableMultiDict

from shared import errors, rut

Source = ImmutableMultiDict[str, object]
"""A request's ``query_params``, ``path_params`` (wrap with :func:`path`) or its posted form."""
T = TypeVar("T")

MIN_DATE: Final = date(2000, 1, 1)
MAX_DATE: Final = date(2099, 12, 31)
"""The days HQ can ask about: a shop's sales, documents and reports all fall in these years."""
MAX_TEXT: Final = 200
"""The default length limit of a free text field (a name, a reason)."""
MAX_ID: Final = 100
"""The length limit of an identifier in a path or query (a SKU, a store, a terminal, an e-mail)."""
_DIGITS: Final = re.compile(r"[0-9]{1,18}", re.ASCII)
_SIGNED: Final = re.compile(r"-?[0-9]{1,18}", re.ASCII)
_PESOS: Final = re.compile(r"\$?\s*(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]{1,12})", re.ASCII)
_DATE: Final = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
_MONTH: Final = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)
_STORE: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,29}", re.ASCII)  # syncserver.tenancy.STORE_ID
MAX_PESOS: Final = 999_999_999


class BadInput(errors.InvalidInput):
    """A query or form value HQ cannot read: ``field`` is the parameter's name, ``label`` how the page calls it and
    ``reason`` what is wrong (Spanish, lower case, no final period)."""

    def __init__(self, field: str, label: str, reason: str) -> None:
        super().__init__(f"{label}: {reason}")
        self.field = field
        self.label = label
        self.reason = reason

    @property
    def message(self) -> str:
        """``«Fecha» (fecha): no es una fecha ...`` as the page shows it."""
        return f"«{self.label}» ({self.field}): {self.reason}."


class OutsideScope(errors.PosError):
    """The user named a store that is not one of his (an encargado): a 403, whether that store exists or not."""

    def __init__(self, store_id: str) -> None:
        super().__init__(f"tienda fuera de su alcance: {store_id!r}")
        self.store_id = store_id


class StoreScope(Protocol):
    """What :func:`store_param` needs of the signed-in user (``syncserver.hq.web.HqUser``)."""

    def sees_store(self, store_id: str) -> bool: ...


def path(params: Mapping[str, object]) -> Source:
    """A request's ``path_params`` read as a :data:`Source`."""
    return ImmutableMultiDict(params)


def raw(source: Source, name: str, label: str, *, max_len: int) -> str | None:
    """The one value sent as ``name``, or None when absent. Refused: a repeated name, a file where text was
    expected, more than ``max_len`` characters, a NUL character, bytes that were not UTF-8."""
    values = source.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise BadInput(name, label, "viene repetido; envíe un solo valor")
    value = values[0]
    if not isinstance(value, str):
        raise BadInput(name, label, "se esperaba un texto, no un archivo")
    if len(value) > max_len:
        raise BadInput(name, label, f"es demasiado largo (máximo {max_len} caracteres)")
    if "\x00" in value:
        raise BadInput(name, label, "trae un carácter nulo")
    if "\ufffd" in value:  # what a byte that is not UTF-8 becomes when the address or form is read
        raise BadInput(name, label, "trae caracteres que no son UTF-8")
    return value


def text_param(source: Source, name: str, label: str, *, max_len: int = MAX_TEXT, default: str = "",
               required: bool = False) -> str:
    """A free text, trimmed; ``default`` when absent or empty (or :class:`BadInput` when ``required``)."""
    value = (raw(source, name, label, max_len=max_len) or "").strip()
    if not value:
        if required:
            raise BadInput(name, label, "falta")
        return default
    return value


def list_param(source: Source, name: str, label: str, *, max_len: int = MAX_ID, max_items: int = 200
               ) -> list[str]:
    """Every value sent as ``name`` (check boxes), each a text of at most ``max_len`` characters."""
    values = source.getlist(name)
    if len(values) > max_items:
        raise BadInput(name, label, f"trae demasiados valores (máximo {max_items})")
    out = []
    for value in values:
        if not isinstance(value, str) or len(value) > max_len or "\x00" in value or "\ufffd" in value:
            raise BadInput(name, label, f"cada valor debe ser un texto de hasta {max_len} caracteres")
        out.append(value.strip())
    return out


def int_param(source: Source, name: str, label: str, *, low: int, high: int, default: int | None = None) -> int:
    """A whole number in ``[low, high]`` written with ASCII digits (``"²"`` or ``"٣"`` are refused);
    ``default`` when absent or empty (else :class:`BadInput`)."""
    value = (raw(source, name, label, max_len=20) or "").strip()
    if not value:
        if default is None:
            raise BadInput(name, label, "falta")
        return default
    if not (_SIGNED if low < 0 else _DIGITS).fullmatch(value):
        raise BadInput(name, label, "debe ser un número entero, escrito con las cifras 0 a 9")
    number = int(value)
    if not low <= number <= high:
        raise BadInput(name, label, f"debe estar entre {low} y {high}")
    return number


def peso_param(source: Source, name: str, label: str, *, required: bool = True, low: int = 0
               ) -> int | None:
    """Whole pesos as people type them (``1990``, ``1.990``, ``$1.990``), ``low`` to $999.999.999; None when absent
    or empty and not ``required``."""
    value = (raw(source, name, label, max_len=20) or "").strip()
    if not value:
        if required:
            raise BadInput(name, label, "falta el monto")
        return None
    if not _PESOS.fullmatch(value):
        raise BadInput(name, label, "debe ser un monto entero de pesos, por ejemplo 1990 o 1.990")
    amount = int(value.lstrip("$").strip().replace(".", ""))
    if not low <= amount <= MAX_PESOS:
        raise BadInput(name, label, f"debe estar entre ${low} y $999.999.999")
    return amount


def parse_date(text: str, name: str, label: str, *, low: date = MIN_DATE, high: date = MAX_DATE) -> date:
    """``aaaa-mm-dd`` (what ``<input type="date">`` sends), a real day between ``low`` and ``high``."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        raise BadInput(name, label, "debe ser una fecha aaaa-mm-dd, por ejemplo 2026-11-20")
    try:
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise BadInput(name, label, "ese día no existe en el calendario") from None
    if not low <= day <= high:
        raise BadInput(name, label, f"debe estar entre {low:%d-%m-%Y} y {high:%d-%m-%Y}")
    return day


def date_param(source: Source, name: str, label: str, *, default: date | None = None, low: date = MIN_DATE,
               high: date = MAX_DATE) -> date:
    """:func:`parse_date` of the field; ``default`` when absent or empty (else :class:`BadInput`)."""
    value = (raw(source, name, label, max_len=20) or "").strip()
    if not value:
        if default is None:
            raise BadInput(name, label, "falta la fecha")
        return default
    return parse_date(value, name, label, low=low, high=high)


def month_param(source: Source, name: str, label: str, *, default: date, low: date = MIN_DATE,
                high: date = MAX_DATE) -> date:
    """``aaaa-mm`` (what ``<input type="month">`` sends) as the first day of that month, between ``low``'s and
    ``high``'s months; ``default`` when absent or empty."""
    value = (raw(source, name, label, max_len=20) or "").strip()
    if not value:
        return default
    match = _MONTH.fullmatch(value)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise BadInput(name, label, "debe ser un mes aaaa-mm, por ejemplo 2026-11")
    year, number = int(match.group(1)), int(match.group(2))
    if not (low.year, low.month) <= (year, number) <= (high.year, high.month):
        raise BadInput(name, label, f"debe estar entre {low:%m-%Y} y {high:%m-%Y}")
    return date(year, number, 1)


def choice_param(source: Source, name: str, label: str, choices: Mapping[str, T], *, default: T) -> T:
    """The value of ``choices`` keyed by the field (one of a list); ``default`` when absent or empty."""
    value = (raw(source, name, label, max_len=MAX_ID) or "").strip()
    if not value:
        return default
    if value not in choices:
        raise BadInput(name, label, "no es una de las opciones de la lista")
    return choices[value]


def flag_param(source: Source, name: str, label: str) -> bool:
    """A check box: ``1`` (or ``on``) checked, absent or empty unchecked; anything else is refused."""
    return choice_param(source, name, label, {"1": True, "on": True, "0": False}, default=False)


def rut_param(source: Source, name: str, label: str, *, required: bool = True) -> str:
    """A valid RUT (módulo 11, ``shared.rut``) in its ``12.345.678-5`` form; ``""`` when absent and not required."""
    value = (raw(source, name, label, max_len=20) or "").strip()
    if not value:
        if required:
            raise BadInput(name, label, "falta el RUT")
        return ""
    try:
        return rut.format(value)
    except errors.InvalidRut as exc:
        raise BadInput(name, label, f"no es válido ({exc.reason})") from None


def id_param(source: Source, name: str, label: str, *, max_len: int = MAX_ID) -> str:
    """An identifier in the path or query (a SKU, a terminal, an e-mail): present, printable, at most ``max_len``
    characters."""
    value = raw(source, name, label, max_len=max_len)
    if not value or not value.isprintable():
        raise BadInput(name, label, "no es un identificador válido")
    return value


def store_param(user: StoreScope, source: Source, name: str = "tienda", label: str = "Tienda", *,
                required: bool = False) -> str | None:
    """A store code (``syncserver.tenancy.STORE_ID``) the user may see; None when absent and not ``required``.

    Raises:
        BadInput: not a store code.
        OutsideScope: a store that is not one of an encargado's (403).
    """
    value = (raw(source, name, label, max_len=MAX_ID) or "").strip()
    if not value:
        if required:
            raise BadInput(name, label, "falta la tienda")
        return None
    if not _STORE.fullmatch(value):
        raise BadInput(name, label, "no es un código de tienda (letras minúsculas, números y guiones)")
    if not user.sees_store(value):
        raise OutsideScope(value)
    return value
