"""Business customers (receptores of facturas): checked as the SII requires, remembered as ``customer.saved``
journal facts, and found again by part of their RUT or name.

A customer is saved in the unit of work of the factura that first names it (or that changes its data), so a
customer is remembered exactly when a factura was issued to it; the ``customers`` table is its projection.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from desktop.journal import read_models
from desktop.journal.sqlite_store import SqliteJournal
from shared import errors
from shared import rut as rut_mod
from shared.dte import documents
from shared.dte.xmlcore import clean_text
from shared.events import customers as customer_events
from shared.events.sales import CustomerData

LIMITS = {"razon_social": 100, "giro": 40, "direccion": 70, "comuna": 20}
"""Longest texts the SII's Receptor takes (DTE_v10.xsd: RznSocRecep, GiroRecep, DirRecep, CmnaRecep)."""

LABELS = {"rut": "el RUT", "razon_social": "la razón social", "giro": "el giro", "direccion": "la dirección",
          "comuna": "la comuna"}
TITLES = {"rut": "RUT", "razon_social": "Razón social", "giro": "Giro", "direccion": "Dirección", "comuna": "Comuna"}


class CustomerInvalid(errors.InvalidInput):
    """A customer's data cannot go on a factura: ``field`` names the field (``rut``, ``razon_social``, ``giro``,
    ``direccion``, ``comuna``) and the message says why, in words for the cashier."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Match:
    customer: CustomerData

    @property
    def label(self) -> str:
        """``Ferretería El Clavo SpA · 76.123.456-0``"""
        return f"{self.customer.razon_social} · {rut_mod.format(self.customer.rut)}"


def check(rut: str, razon_social: str, giro: str, direccion: str, comuna: str) -> CustomerData:
    """The customer as a factura carries it: RUT compact (``76123456-0``), texts cleaned as the DTE writes them.

    Raises:
        CustomerInvalid: an empty field, a text over the SII's limit (:data:`LIMITS`), a malformed RUT, a wrong
            dígito verificador, or the consumidor final RUT 66.666.666-6.
    """
    compact = check_rut(rut)
    values = {"razon_social": razon_social, "giro": giro, "direccion": direccion, "comuna": comuna}
    clean = {}
    for name, value in values.items():
        text = clean_text(value)
        if not text:
            raise CustomerInvalid(name, f"Falta {LABELS[name]} del cliente")
        if len(text) > LIMITS[name]:
            raise CustomerInvalid(name, f"{TITLES[name]}: {len(text)} caracteres; el SII admite hasta "
                                        f"{LIMITS[name]}. Abrevie el texto.")
        clean[name] = text
    return CustomerData(rut=compact, **clean)


def check_rut(rut: str) -> str:
    """The buyer's RUT of a factura, compact (``76123456-0``).

    Raises:
        CustomerInvalid: empty, malformed, a wrong dígito verificador (módulo 11), or consumidor final.
    """
    typed = rut.strip()
    if not typed:
        raise CustomerInvalid("rut", "Escriba el RUT del cliente")
    try:
        parsed = rut_mod.parse(typed)
    except errors.InvalidRut as exc:
        if exc.reason.startswith("dígito"):
            raise CustomerInvalid("rut", f"El RUT {typed} no es válido: el dígito verificador no corresponde. "
                                         "Revise el número y el dígito después del guion.") from None
        raise CustomerInvalid("rut", f"El RUT «{typed}» no es válido: escríbalo como 76.123.456-0") from None
    if parsed.compact == documents.RUT_ANONIMO:
        raise CustomerInvalid("rut", "66.666.666-6 es el RUT de consumidor final: una factura necesita el RUT de la "
                                     "empresa")
    return parsed.compact


def _fold(text: str) -> str:
    """Lower case without accents, for matching what the cashier types."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


class CustomerService:
    """The customers known at this till."""

    def __init__(self, journal: SqliteJournal) -> None:
        self.journal = journal

    def get(self, rut: str) -> CustomerData | None:
        """The saved data of ``rut`` (any format), or None when unknown or not a valid RUT."""
        try:
            compact = rut_mod.parse(rut).compact
        except errors.InvalidRut:
            return None
        row = read_models.customer(self.journal.conn, compact)
        return None if row is None else CustomerData(*row)

    def search(self, text: str, limit: int = 6) -> list[Match]:
        """Known customers whose RUT contains the typed digits (dots and guion ignored), or whose razón social
        contains every typed word (accents and case ignored); most recently saved first. Empty text: none."""
        words = _fold(text).replace(".", " ").split()
        if not words:
            return []
        digits = "".join(c for c in text if c.isdigit() or c in "kK").upper()
        by_rut = bool(digits) and all(c.isdigit() or c in "-.kK " for c in text.strip())
        found = []
        for row in read_models.customers(self.journal.conn):
            data = CustomerData(*row)
            if by_rut:
                hit = digits in data.rut.replace("-", "")
            else:
                name = _fold(data.razon_social)
                hit = all(w in name for w in words)
            if hit:
                found.append(Match(data))
                if len(found) == limit:
                    break
        return found

    def saved_event(self, data: CustomerData) -> customer_events.CustomerSaved | None:
        """The ``customer.saved`` to journal with a factura to ``data``: None when it is already known as is."""
        if self.get(data.rut) == data:
            return None
        return customer_events.CustomerSaved(data.rut, data.razon_social, data.giro, data.direccion, data.comuna)
