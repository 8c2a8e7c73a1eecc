"""The back office's Proveedores page: the store's suppliers found by RUT, razón social or giro; one created or
edited with its RUT checked as it is typed (módulo 11), razón social, giro and contact; and what the store bought
from it (its documents, and the returns made to it) (``desktop.services.suppliers``).

Plain Python (no Qt): ``desktop.ui.backoffice.suppliers_page`` draws ``SuppliersView``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace

from stdnum.cl import rut as stdnum_rut

from desktop.journal import inventory_queries
from desktop.presenters.backoffice import lines
from desktop.services import purchases, suppliers
from desktop.services.auth import User
from shared import errors, es_cl, money, roles
from shared import rut as rut_mod

READ_ONLY = "Sólo lectura: los proveedores los crea y edita un administrador."
LIST_COLUMNS = ("RUT", "Razón social", "Giro")
DOCUMENT_COLUMNS = ("Fecha", "Documento", "Total", "Registró")
ITEM_COLUMNS = ("Producto", "Comprado", "Último costo neto", "Última compra")
SECTIONS = (("list", "Proveedores"), ("documents", "Documentos"), ("items", "Productos comprados"))
FIELDS = ("rut", "razon_social", "giro", "contact", "phone", "email")
"""The form's fields, in the order shown."""


@dataclass(frozen=True, slots=True)
class Form:
    """The supplier being written, as typed; ``rut_check`` what the RUT's check says ("" nothing typed yet),
    ``rut_ok`` when it is valid; ``editing`` the RUT of the supplier opened (``""``: a new one)."""

    rut: str = ""
    razon_social: str = ""
    giro: str = ""
    contact: str = ""
    phone: str = ""
    email: str = ""
    active: bool = True
    rut_check: str = ""
    rut_ok: bool = False
    editing: str = ""


@dataclass(frozen=True, slots=True)
class SuppliersView:
    """``rows`` follow :data:`LIST_COLUMNS` for ``search``; ``selected`` the row opened in ``form``;
    ``documents`` (:data:`DOCUMENT_COLUMNS`), ``items`` (:data:`ITEM_COLUMNS`) and ``bought`` ("3 compras · 1
    devolución") are the opened supplier's, ``supplier`` its name ("" none opened)."""

    section: str = "list"
    search: str = ""
    rows: tuple[tuple[str, ...], ...] = ()
    selected: int | None = None
    form: Form = Form()
    documents: tuple[tuple[str, ...], ...] = ()
    items: tuple[tuple[str, ...], ...] = ()
    bought: str = ""
    supplier: str = ""
    can_edit: bool = False
    message: str = ""
    error: bool = False


def check_rut(text: str) -> tuple[str, bool]:
    """What a RUT typed so far says: ``("", False)`` while empty, ``("RUT 76.123.456-0 ✓", True)`` when valid, or
    why not (a wrong check digit names the right one, so a typo is seen at once)."""
    if not text.strip():
        return "", False
    try:
        return f"RUT {rut_mod.format(text)} ✓", True
    except errors.InvalidRut as exc:
        digits = "".join(c for c in text if c.isdigit() or c in "kK")
        if exc.reason.startswith("dígito") and len(digits) >= 2 and digits[:-1].isdigit():
            right = stdnum_rut.calc_check_digit(digits[:-1])
            return f"Dígito verificador incorrecto: para {digits[:-1]} es {right}", False
        return f"RUT incompleto o mal escrito ({exc.reason})", False


def day(iso: str) -> str:
    """``2026-12-07`` (or a journal time) as people read it: ``07-12-2026``."""
    parts = iso[:10].split("-")
    return f"{parts[2]}-{parts[1]}-{parts[0]}" if len(parts) == 3 else iso


def document_text(d: inventory_queries.SupplierDocument) -> str:
    """"Factura N° 7", "Nota de crédito N° 12", "Devolución · Guía 52 N° 1234"."""
    if d.kind == "compra":
        text = purchases.document_label(d.tipo, d.folio)
        return text[:1].upper() + text[1:]
    return "Devolución" + (f" · {d.document}" if d.document else "")


class SuppliersPresenter:
    """The Proveedores page of ``user`` (an administrador edits; a supervisor reads)."""

    def __init__(self, service: suppliers.SupplierService, conn: sqlite3.Connection, user: User,
                 who: Callable[[str], str] = lines.nobody,
                 on_change: Callable[[SuppliersView], None] = lambda v: None) -> None:
        self.service, self.conn, self.user = service, conn, user
        self.who = who
        self.on_change = on_change
        self._ruts: list[str] = []
        can_edit = user.role is roles.Role.ADMIN
        self.view = self._listed(SuppliersView(can_edit=can_edit, message="" if can_edit else READ_ONLY))

    def _emit(self, view: SuppliersView) -> SuppliersView:
        self.view = view
        self.on_change(view)
        return view

    def _listed(self, view: SuppliersView) -> SuppliersView:
        found = self.service.suppliers(view.search)
        self._ruts = [s.rut for s in found]
        rows = tuple((rut_mod.format(s.rut), s.razon_social + ("" if s.active else " (inactivo)"), s.giro)
                     for s in found)
        selected = self._ruts.index(view.form.editing) if view.form.editing in self._ruts else None
        return replace(view, rows=rows, selected=selected)

    def show(self, section: str) -> SuppliersView:
        if section not in dict(SECTIONS):
            return self.view
        return self._emit(replace(self.view, section=section))

    def refresh(self) -> SuppliersView:
        """Read the suppliers again (a purchase may have named a new one)."""
        return self._emit(self._listed(self.view))

    def search(self, text: str) -> SuppliersView:
        """The suppliers whose RUT, razón social or giro match ``text`` (accents and case ignored)."""
        return self._emit(self._listed(replace(self.view, search=text)))

    def open(self, row: int) -> SuppliersView:
        """Open the supplier of ``row`` in the form, with its documents."""
        if not 0 <= row < len(self._ruts):
            return self.view
        rut = self._ruts[row]
        found = next((s for s in self.service.suppliers(rut) if s.rut == rut), None)
        if found is None:
            return self.view
        check, ok = check_rut(found.rut)
        form = Form(found.rut, found.razon_social, found.giro, found.contact, found.phone, found.email, found.active,
                    check, ok, editing=found.rut)
        return self._emit(self._opened(replace(self.view, form=form, selected=row,
                                               message="" if self.view.can_edit else READ_ONLY, error=False)))

    def _opened(self, view: SuppliersView) -> SuppliersView:
        """``view`` with the documents and products bought of the supplier in its form."""
        rut = view.form.editing
        docs = self.service.documents(rut)
        documents = tuple((day(d.date), document_text(d), money.format_clp(d.total), self.who(d.by)) for d in docs)
        items = tuple((f"{i.sku} · {i.name}", es_cl.number(i.quantity),
                       money.format_clp(i.last_unit_cost), day(i.last_date))
                      for i in inventory_queries.supplier_items(self.conn, rut))
        bought = sum(d.kind == "compra" for d in docs)
        returned = len(docs) - bought
        summary = (f"{bought} compra{'s' if bought != 1 else ''} · {returned} "
                   f"{'devolución' if returned == 1 else 'devoluciones'}" if docs
                   else "Aún no hay documentos de este proveedor aquí.")
        return replace(view, documents=documents, items=items, bought=summary, supplier=view.form.razon_social)

    def new(self) -> SuppliersView:
        """An empty form for a new supplier."""
        return self._emit(replace(self.view, form=Form(), selected=None, documents=(), items=(), bought="",
                                  supplier="", section="list", message="", error=False))

    def type(self, name: str, text: str) -> SuppliersView:
        """What was typed in field ``name`` (one of :data:`FIELDS`); the RUT is checked at once."""
        if name not in FIELDS:
            return self.view
        f = self.view.form
        form = {"rut": lambda: replace(f, rut=text), "razon_social": lambda: replace(f, razon_social=text),
                "giro": lambda: replace(f, giro=text), "contact": lambda: replace(f, contact=text),
                "phone": lambda: replace(f, phone=text), "email": lambda: replace(f, email=text)}[name]()
        if name == "rut":
            check, ok = check_rut(text)
            form = replace(form, rut_check=check, rut_ok=ok)
        return self._emit(replace(self.view, form=form))

    def set_active(self, active: bool) -> SuppliersView:
        return self._emit(replace(self.view, form=replace(self.view.form, active=active)))

    def save(self) -> SuppliersView:
        """Save the form; a refusal (RUT, razón social, e-mail...) keeps everything typed."""
        f = self.view.form
        if not self.view.can_edit:
            return self._emit(replace(self.view, message=READ_ONLY, error=True))
        try:
            saved = self.service.save(self.user, f.rut, f.razon_social, f.giro, contact=f.contact, phone=f.phone,
                                      email=f.email, active=f.active)
        except errors.PosError as exc:
            return self._emit(replace(self.view, message=lines.describe_error(exc), error=True))
        check, ok = check_rut(saved.rut)
        form = Form(saved.rut, saved.razon_social, saved.giro, saved.contact, saved.phone, saved.email, saved.active,
                    check, ok, editing=saved.rut)
        return self._emit(self._listed(self._opened(replace(
            self.view, form=form, error=False,
            message=f"Proveedor guardado: {saved.razon_social} · RUT {rut_mod.format(saved.rut)}"))))
