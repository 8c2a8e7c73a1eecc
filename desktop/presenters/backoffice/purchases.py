"""The back office's Compras page: a paper factura, factura exenta, boleta or guía de despacho typed in by scanning
its lines with their cost (``Ingreso manual``), the supplier's XML registered (``desktop.presenters.purchase``,
for the signed-in administrador), goods returned to a supplier (``Devolución``), and HQ's answers to the
suppliers' facturas in the SII's Registro de Reclamos with their deadline (``Respuestas al SII``, read-only: HQ
answers; Ley 19.983). A supervisor sees it read-only. Every refusal keeps what was typed.

Plain Python (no Qt): ``desktop.ui.backoffice.purchases_page`` draws ``PurchasesView``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from desktop.journal.supplier_answers import AnswerRow
from desktop.presenters.backoffice import lines
from desktop.presenters.backoffice.lines import Found, Line
from desktop.presenters.backoffice.suppliers import check_rut
from desktop.presenters.purchase import PurchasePresenter
from desktop.services import inventory, purchases, suppliers
from desktop.services.auth import AuthService, User
from desktop.services.catalog import CatalogService
from shared import errors, money, roles
from shared import rut as rut_mod
from shared import supplier_answers as answer_rules

SECTIONS = (("manual", "Ingreso manual"), ("xml", "XML proveedor"), ("return", "Devolución"),
            ("answers", "Plazos SII"))
"""The page's sections: (key, button text)."""
READ_ONLY = "Sólo lectura: las compras las registra un administrador."
TIPOS = ((33, "Factura"), (30, "Factura de papel"), (34, "Factura exenta"), (32, "Factura exenta de papel"),
         (39, "Boleta"), (35, "Boleta de papel"), (52, "Guía de despacho"), (50, "Guía de despacho de papel"))
"""The documents a manager types in by hand, as the page offers them: (SII tipo, name); all in
``shared.events.purchases.MANUAL_TIPOS``."""
LINE_COLUMNS = ("Producto", "Cantidad", "Costo unit.", "Monto")
ANSWER_COLUMNS = (("Proveedor y documento", False), ("Plazo SII", False), ("Respuesta", False))
"""The columns of ``Respuestas al SII``: (header, right-aligned)."""
ANSWERS_HINT = ("Las facturas de proveedores se aceptan o reclaman ante el SII dentro de 8 días corridos desde que "
                "el SII las recibió (Ley 19.983); pasado el plazo quedan aceptadas. Las responde el dueño o el "
                "contador en HQ (Compras); aquí se ve lo que respondieron. Sin respuesta, el plazo se estima desde "
                "la fecha de emisión.")
RETURN_REASONS = ("Producto vencido", "Producto dañado", "Error en el pedido", "Producto en mal estado")


@dataclass(frozen=True, slots=True)
class Document:
    """A document being typed: the supplier's ``rut`` (``rut_check`` what its check says, ``supplier`` the saved
    supplier's razón social, ``""`` when unknown, then ``razon_social`` is typed), ``tipo``, ``folio`` and
    ``fecha`` (dd-mm-aaaa) of a purchase, or ``reason``, ``paper`` ("Guía N° 1234") and the ``purchase`` it
    returns goods of (``""`` none; one of ``purchases``, the supplier's ``(purchase_id, "Factura N° 7 · 15-11-2026")``)
    of a return; ``warehouse``; the ``lines`` with the ``selected`` one; ``total`` as typed to check the sum."""

    warehouse: str
    fecha: str
    rut: str = ""
    rut_check: str = ""
    rut_ok: bool = False
    supplier: str = ""
    razon_social: str = ""
    tipo: int = TIPOS[0][0]
    folio: str = ""
    total: str = ""
    reason: str = ""
    paper: str = ""
    purchase: str = ""
    purchases: tuple[tuple[str, str], ...] = ()
    lines: tuple[Line, ...] = ()
    selected: int | None = None

    @property
    def rows(self) -> tuple[tuple[str, ...], ...]:
        out = []
        unset = "de la compra" if self.purchase else "costo actual"
        for x in self.lines:
            amount = x.amount()
            shown = money.format_clp(amount) if amount is not None else (x.problem or "—")
            out.append((f"{x.sku} · {x.name}", f"{x.quantity} {lines.unit_of(x.sold_by)}", x.cost or unset, shown))
        return tuple(out)

    @property
    def chosen(self) -> Line | None:
        return self.lines[self.selected] if self.selected is not None else None


@dataclass(frozen=True, slots=True)
class PurchasesView:
    """``section`` is one key of :data:`SECTIONS`; ``manual`` and ``back`` (the return) are the documents being
    typed; ``totals`` what the manual document adds up to ("Neto $… · IVA $… · Total $…"); ``can_edit`` False for
    a supervisor (read-only); ``message`` (``error``: a problem) is what the last action said."""

    warehouses: tuple[tuple[str, str], ...]
    manual: Document
    back: Document
    section: str = "manual"
    found: Found = lines.NOTHING
    totals: str = ""
    can_edit: bool = False
    moved: int = 0
    """How many times stock moved on this page (the shell takes the stock alerts again)."""
    answers: tuple[tuple[str, tuple[str, ...], str], ...] = ()
    """``Respuestas al SII``: (key, cells of :data:`ANSWER_COLUMNS`, flag: ``low`` when 2 days or fewer remain)."""
    message: str = ""
    error: bool = False

    @property
    def document(self) -> Document:
        """The document of the section on screen (the manual one for the XML section, which has none)."""
        return self.back if self.section == "return" else self.manual


def _totals(doc: Document) -> str:
    amounts = [x.amount() for x in doc.lines]
    if not doc.lines or None in amounts:
        return ""
    neto = sum(a for a in amounts if a is not None)
    if doc.tipo in purchases.MANUAL_WITH_IVA:
        iva = money.iva_of_neto(neto)
        return f"Neto {money.format_clp(neto)} · IVA {money.format_clp(iva)} · Total {money.format_clp(neto + iva)}"
    if doc.tipo in purchases.MANUAL_EXENTOS:
        return f"Exento {money.format_clp(neto)}"
    if doc.tipo in (50, 52):
        return f"Neto {money.format_clp(neto)} (sin IVA: la factura llega después)"
    return f"Total pagado {money.format_clp(neto)}"


class PurchasesPresenter:
    """The Compras page of ``user`` (the one signed in to the back office)."""

    def __init__(self, service: purchases.PurchaseService, auth: AuthService, catalog: CatalogService, user: User,
                 warehouses: list[inventory.Warehouse], known: Callable[[str], str] = lambda rut: "",
                 on_change: Callable[[PurchasesView], None] = lambda v: None, *, today: date | None = None,
                 bought: Callable[[str], list[tuple[str, str]]] = lambda rut: [],
                 answers: Callable[[], Sequence[AnswerRow]] = lambda: ()) -> None:
        self.service, self.auth, self.catalog, self.user = service, auth, catalog, user
        self.known = known
        self.bought = bought
        self.answers = answers
        self.on_change = on_change
        can_edit = user.role is roles.Role.ADMIN
        choices = tuple((w.warehouse_id, w.name) for w in warehouses)
        first = choices[0][0] if choices else ""
        self.today = f"{today or date.today():%d-%m-%Y}"
        self.view = PurchasesView(warehouses=choices, manual=Document(first, self.today),
                                  back=Document(first, self.today), can_edit=can_edit,
                                  message="" if can_edit else READ_ONLY)

    def _emit(self, view: PurchasesView) -> PurchasesView:
        self.view = view
        self.on_change(view)
        return view

    def _doc(self, doc: Document) -> PurchasesView:
        """The view with ``doc`` as the document of the section on screen."""
        view = replace(self.view, back=doc) if self.view.section == "return" else replace(self.view, manual=doc)
        return self._emit(replace(view, totals=_totals(view.manual)))

    def show(self, section: str) -> PurchasesView:
        """Show ``section`` (a key of :data:`SECTIONS`; anything else is ignored)."""
        if section not in dict(SECTIONS):
            return self.view
        view = replace(self.view, section=section, found=Found())
        if section == "answers":
            view = replace(view, answers=tuple(answer_cells(r) for r in self.answers()))
        return self._emit(view)

    # --- the document's head -------------------------------------------------------------------------------

    def set_rut(self, text: str) -> PurchasesView:
        """The supplier's RUT as typed: checked at once, and the saved supplier's name shown."""
        check, ok = check_rut(text)
        name = ""
        bought: tuple[tuple[str, str], ...] = ()
        if ok:
            rut = suppliers.parse_rut(text)
            name = self.known(rut)
            check = f"{check} · {name}" if name else f"{check} · proveedor nuevo: escriba su razón social"
            bought = tuple(self.bought(rut)) if self.view.section == "return" else ()
        doc = self.view.document
        purchase = doc.purchase if doc.purchase in dict(bought) else ""
        return self._doc(replace(doc, rut=text, rut_check=check, rut_ok=ok, supplier=name, purchases=bought,
                                 purchase=purchase))

    def set_purchase(self, purchase_id: str) -> PurchasesView:
        """The supplier's purchase the goods came in (``""``: none): the return is checked against it, and a line
        without a typed cost takes the purchase's."""
        doc = self.view.back
        if self.view.section != "return" or (purchase_id and purchase_id not in dict(doc.purchases)):
            return self.view
        return self._doc(replace(doc, purchase=purchase_id))

    def type(self, name: str, text: str) -> PurchasesView:
        """What was typed in ``name``: ``razon_social``, ``folio``, ``fecha``, ``total``, ``reason`` or
        ``paper``."""
        d = self.view.document
        typed = {"razon_social": lambda: replace(d, razon_social=text), "folio": lambda: replace(d, folio=text),
                 "fecha": lambda: replace(d, fecha=text), "total": lambda: replace(d, total=text),
                 "reason": lambda: replace(d, reason=text), "paper": lambda: replace(d, paper=text)}.get(name)
        return self.view if typed is None else self._doc(typed())

    def set_tipo(self, tipo: int) -> PurchasesView:
        if tipo not in dict(TIPOS):
            return self.view
        return self._doc(replace(self.view.document, tipo=tipo))

    def set_warehouse(self, warehouse: str) -> PurchasesView:
        if warehouse not in dict(self.view.warehouses):
            return self.view
        return self._doc(replace(self.view.document, warehouse=warehouse))

    # --- the lines ------------------------------------------------------------------------------------------

    def search(self, text: str) -> PurchasesView:
        return self._emit(replace(self.view, found=lines.search(self.catalog, text)))

    def scan(self, code: str) -> PurchasesView:
        """A scanned code (or one typed, then Enter): one more of its product on the document."""
        if self.view.section == "xml":
            return self.view
        try:
            product = lines.scanned(self.catalog, code)
        except errors.PosError as exc:
            return self._emit(replace(self.view, found=Found(code, (), lines.describe_error(exc))))
        return self.choose(product.sku)

    def choose(self, sku: str) -> PurchasesView:
        """A product touched among the results (or scanned): on the document, its line selected."""
        product = self.catalog.by_sku(sku)
        if product is None or self.view.section == "xml":
            return self.view
        doc = self.view.document
        rows, row = lines.add(doc.lines, product)
        self.view = replace(self.view, found=Found(), message="", error=False)
        return self._doc(replace(doc, lines=rows, selected=row))

    def select(self, row: int) -> PurchasesView:
        doc = self.view.document
        if not 0 <= row < len(doc.lines):
            return self.view
        return self._doc(replace(doc, selected=row))

    def set_quantity(self, text: str) -> PurchasesView:
        return self._line(quantity=text)

    def set_cost(self, text: str) -> PurchasesView:
        """The selected line's unit cost as written on the document (CLP; "" on a return: the store's cost)."""
        return self._line(cost=text)

    def _line(self, **typed: str) -> PurchasesView:
        doc = self.view.document
        if doc.selected is None:
            return self.view
        line = replace(doc.lines[doc.selected], **typed)
        line = line.checked(with_cost=self.view.section == "manual" or bool(line.cost.strip()))
        return self._doc(replace(doc, lines=lines.put(doc.lines, doc.selected, line)))

    def remove(self) -> PurchasesView:
        doc = self.view.document
        if doc.selected is None:
            return self.view
        rows, selected = lines.drop(doc.lines, doc.selected)
        return self._doc(replace(doc, lines=rows, selected=selected))

    # --- registering ----------------------------------------------------------------------------------------

    def _refused(self, exc: errors.PosError) -> PurchasesView:
        if isinstance(exc, purchases.PurchaseRefused):
            text = " · ".join(r[:1].upper() + r[1:] for r in exc.reasons)
        else:
            text = lines.describe_error(exc)
        return self._emit(replace(self.view, message=text, error=True))

    def register(self) -> PurchasesView:
        """Register the paper document typed in (section ``manual``); a refusal keeps it as typed."""
        doc = self.view.manual
        if not self.view.can_edit:
            return self._emit(replace(self.view, message=READ_ONLY, error=True))
        try:
            typed = [self.service.manual_line(x.sku, x.quantity, x.cost) for x in doc.lines]
        except errors.PosError as exc:
            return self._refused(exc)
        try:
            event = self.service.record_manual(self.user, doc.rut, doc.tipo, doc.folio, doc.fecha, typed,
                                               warehouse=doc.warehouse, razon_social=doc.razon_social,
                                               total=doc.total if doc.total.strip() else None)
        except errors.PosError as exc:
            return self._refused(exc)
        what = purchases.document_label(event.tipo, event.folio)
        fresh = Document(doc.warehouse, self.today, tipo=doc.tipo)
        return self._emit(replace(
            self.view, manual=fresh, totals="", moved=self.view.moved + 1, error=False,
            message=f"Compra registrada: {what[:1].upper()}{what[1:]} de {event.supplier.razon_social} · "
                    f"{len(event.lines)} líneas · total {money.format_clp(event.total)}"))

    def give_back(self) -> PurchasesView:
        """Register the return to the supplier typed in (section ``return``); a refusal keeps it as typed."""
        doc = self.view.back
        if not self.view.can_edit:
            return self._emit(replace(self.view, message=READ_ONLY, error=True))
        try:
            event = self.service.return_to_supplier(
                self.user, doc.rut, [(x.sku, x.quantity, x.cost.strip() or None) for x in doc.lines],
                reason=doc.reason, warehouse=doc.warehouse, purchase_id=doc.purchase, document=doc.paper)
        except errors.PosError as exc:
            return self._refused(exc)
        value = sum(money.line_amount(x.unit_cost, x.quantity) for x in event.lines)
        fresh = Document(doc.warehouse, self.today)
        return self._emit(replace(
            self.view, back=fresh, moved=self.view.moved + 1, error=False,
            message=f"Devolución registrada a {self.known(event.supplier_rut) or rut_mod.format(event.supplier_rut)}"
                    f": {lines.plural(len(event.lines), 'producto', 'productos')} · {money.format_clp(value)} a costo"))

    # --- the supplier's XML --------------------------------------------------------------------------------

    def xml(self) -> PurchasePresenter | None:
        """A registration of a supplier's XML by the signed-in administrador (None, with the reason shown, for a
        read-only user)."""
        if not self.view.can_edit:
            self._emit(replace(self.view, message=READ_ONLY, error=True))
            return None
        return PurchasePresenter(self.service, self.auth, self.catalog, self.user.user_id, manager=self.user)

    def registered(self, message: str) -> PurchasesView:
        """What the XML registration said when it closed ("" when nothing was registered)."""
        moved = self.view.moved + 1 if message else self.view.moved
        return self._emit(replace(self.view, message=message, error=False, moved=moved))


def answer_cells(row: AnswerRow) -> tuple[str, tuple[str, ...], str]:
    """A row of ``Respuestas al SII``, two lines a cell: the supplier over the document and its fecha de emisión;
    the deadline (estimated while the SII's reception is unknown) over the days left while open; the state over the
    last answer and what the SII said."""
    w = row.window
    name = {33: "Factura", 34: "Factura exenta", 43: "Liquidación-factura"}.get(row.tipo, f"Tipo {row.tipo}")
    fecha = "-".join(reversed(row.fecha_emision.split("-")))
    deadline = "—" if w.deadline is None else f"{w.deadline:%d-%m-%Y}" + (" (estimado)" if w.estimated else "")
    if w.open and w.days_left is not None:
        deadline += "\nvence hoy" if w.days_left == 0 else f"\nqueda{'n' if w.days_left != 1 else ''} " \
            f"{w.days_left} día{'s' if w.days_left != 1 else ''}"
    state = w.label
    if row.action:
        state += f"\n{answer_rules.ACTION_LABELS.get(row.action, row.action)}: {row.message}"
    return (f"{row.supplier_rut}:{row.tipo}:{row.folio}",
            (f"{row.supplier or row.supplier_rut}\n{name} N° {row.folio} · {fecha}", deadline, state),
            "low" if w.urgent else "")
