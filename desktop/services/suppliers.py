"""Suppliers at the store: RUT checked (módulo 11), razón social, giro and contact, saved as facts
(``purchases.supplier_saved``); the latest saved wins."""

from __future__ import annotations

import re
from typing import Final

from desktop.journal import inventory_queries
from desktop.journal.sqlite_store import SqliteJournal
from desktop.services import inventory
from desktop.services.auth import User
from shared import errors
from shared import rut as rut_mod
from shared.events import inventory as events

LIMITS: Final = {"razon_social": 100, "giro": 80, "contact": 80, "phone": 30, "email": 80}
"""Longest text of each field (razón social and giro as the SII's DTE takes them: RznSoc, GiroEmis)."""
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE: Final = re.compile(r"\+?[0-9 ()-]{6,30}")


def parse_rut(value: str) -> str:
    """A supplier's RUT as typed (``76.123.456-0``, ``76123456-0``, ``761234560``) in the compact form events keep.

    Raises:
        InvalidRut: badly formed, or its check digit does not match (módulo 11): the message says which.
    """
    if not value.strip():
        raise errors.InvalidRut(value, "escriba el RUT del proveedor")
    return rut_mod.parse(value.strip()).compact


class SupplierService:
    """Creates and edits the store's suppliers; lists them and their documents."""

    def __init__(self, journal: SqliteJournal) -> None:
        self.journal = journal

    def save(self, actor: User | None, rut: str, razon_social: str, giro: str = "", *, contact: str = "",
             phone: str = "", email: str = "", active: bool = True) -> events.SupplierSaved:
        """Journal the supplier as typed (``rut`` in any usual form).

        Raises:
            NotAdministrator: ``actor`` is not an administrador.
            InvalidRut: the RUT is malformed or fails its check digit.
            Refused: no razón social; a text too long; an e-mail or phone that is not one.
            RuleBroken: the event breaks a rule of its type; nothing journaled.
        """
        inventory.require_admin(actor, "guardar proveedores")
        assert actor is not None
        compact = parse_rut(rut)
        fields = {"razon_social": razon_social, "giro": giro, "contact": contact, "phone": phone, "email": email}
        what = {"razon_social": "la razón social", "giro": "el giro", "contact": "el contacto",
                "phone": "el teléfono", "email": "el correo"}
        clean = {k: inventory.clean_text(v, what[k], required=k == "razon_social", most=LIMITS[k])
                 for k, v in fields.items()}
        if clean["email"] and not _EMAIL.fullmatch(clean["email"]):
            raise inventory.Refused(f"El correo {clean['email']!r} no es una dirección de correo.")
        if clean["phone"] and not _PHONE.fullmatch(clean["phone"]):
            raise inventory.Refused(f"El teléfono {clean['phone']!r} no es un número de teléfono.")
        event = events.SupplierSaved(rut=compact, active=active, saved_by=actor.user_id, **clean)
        self.journal.append(event)
        return event

    def suppliers(self, search: str = "") -> list[inventory_queries.SupplierRow]:
        """The store's suppliers whose RUT, razón social or giro match ``search`` (accents and case ignored)."""
        return list(inventory_queries.suppliers(self.journal.conn, search))

    def documents(self, rut: str) -> list[inventory_queries.SupplierDocument]:
        """What was bought from (and returned to) the supplier of ``rut``. Raises: InvalidRut."""
        return list(inventory_queries.supplier_documents(self.journal.conn, parse_rut(rut)))
