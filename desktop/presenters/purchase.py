"""The back office's "Registrar compra (XML del proveedor)": the administrador signed in to the back office (or a
supervisor or administrator authorising with a PIN) picks the supplier's XML, sees the verdict and the lines, and
confirms; refusals are shown in Spanish.

Before confirming, the manager may touch a line (``edit_line``) to assign it a product found by name, SKU or
barcode (``search_products``, ``choose_product``), take its product away (``clear_line``) and set "unidades por
bulto" (``set_factor``: 12 for "CJ 12 x 1 L"; kg per package for a product sold by weight), then ``apply_line``.

Plain Python (no Qt): ``PurchaseDialog`` draws ``PurchaseView`` and forwards what the manager does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from desktop.presenters.sale import describe
from desktop.services import purchase_matching, purchases
from desktop.services.auth import AuthService, User
from desktop.services.catalog import CatalogService
from shared import catalog, errors, es_cl, money, roles, rut
from shared.events import auth as auth_events
from shared.events import purchases as purchase_events

MAX_FILE_BYTES = 32 * 1024 * 1024
COLUMNS = ("Línea", "Código", "Descripción", "Cantidad", "Costo unit. neto", "Monto", "Producto de la tienda")
NO_MATCH = "— sin producto"
MAX_RESULTS = 4
"""Products shown for a search in the line editor (one row of finger-sized buttons)."""


@dataclass(frozen=True, slots=True)
class LineEditor:
    """The line being assigned by hand: ``row`` in ``PurchaseView.rows``; ``title`` describes the supplier's line,
    ``current`` what it has now; ``results`` ``(sku, "SKU · nombre")`` found for ``query``; ``chosen`` the SKU picked
    (None: no product); ``factor`` as typed and ``factor_label`` ("Unidades por bulto" or "Kg por bulto");
    ``error`` why it cannot be applied (Spanish)."""

    row: int
    title: str
    current: str
    query: str = ""
    results: tuple[tuple[str, str], ...] = ()
    chosen: str | None = None
    chosen_label: str = NO_MATCH
    factor: str = "1"
    factor_label: str = "Unidades por bulto"
    error: str = ""


@dataclass(frozen=True, slots=True)
class PurchaseView:
    """``stage``: ``pick`` (no file yet), ``preview`` or ``done``. ``rows`` follow ``COLUMNS``; ``verdict`` lists
    what was checked or why it is refused (``error``); ``can_confirm`` when it can be registered."""

    stage: str = "pick"
    file: str = ""
    headline: str = ""
    verdict: str = ""
    rows: tuple[tuple[str, ...], ...] = ()
    unmatched_rows: tuple[int, ...] = ()
    totals: str = ""
    message: str = ""
    error: bool = False
    can_confirm: bool = False
    credit_note: bool = False
    moves_stock: bool = True
    editor: LineEditor | None = None


def _quantity(q: Decimal) -> str:
    return es_cl.number(q, group=False)


def _product_label(product: catalog.Product) -> str:
    return f"{product.sku} · {product.name}"


def _factor_label(product: catalog.Product | None) -> str:
    return "Kg por bulto" if product is not None and product.sold_by is catalog.SoldBy.KG else "Unidades por bulto"


def _rut(value: str) -> str:
    try:
        return rut.format(value)
    except errors.InvalidRut:
        return value


class PurchasePresenter:
    """One registration: ``authorise`` first (unless ``manager``, the administrador signed in to the back office,
    registers it), then ``load`` a file, optionally ``set_moves_stock``, ``confirm``."""

    def __init__(self, service: purchases.PurchaseService, auth: AuthService, catalog: CatalogService,
                 cashier_id: str, on_change: Callable[[PurchaseView], None] = lambda v: None, *,
                 manager: User | None = None) -> None:
        self.service, self.auth, self.catalog = service, auth, catalog
        self.cashier_id = cashier_id
        self.on_change = on_change
        self.view = PurchaseView()
        self.manager: User | None = manager if manager is not None and manager.role is roles.Role.ADMIN else None
        self._authorised: auth_events.Authorised | None = None
        self._data = b""
        self._preview: purchases.Preview | None = None
        self._moves_stock = True
        self._keys: list[tuple[int, int]] = []
        """``(document, line_no)`` of each row of the view."""
        self._assigned: dict[tuple[int, int], tuple[str | None, Decimal]] = {}
        """Hand assignments, kept when the file is previewed again (``set_moves_stock``)."""

    def _emit(self, view: PurchaseView) -> PurchaseView:
        self.view = view
        self.on_change(view)
        return view

    def authorise(self, pin: str) -> str:
        """A supervisor's or administrator's PIN; returns the error to show ("" when authorised, journaled only when
        a purchase is registered; a wrong PIN is journaled at once)."""
        try:
            self.manager, self._authorised = self.auth.authorise(
                pin, roles.Action.PURCHASE, self.cashier_id, "Registrar compra (DTE de proveedor)")
        except errors.PosError as exc:
            return describe(exc)
        return ""

    def load(self, path: str) -> PurchaseView:
        """Read and verify the file at ``path`` and show what it would register."""
        if self.manager is None:
            return self._emit(replace(self.view, message="Un supervisor debe autorizar primero", error=True))
        file = Path(path)
        try:
            if file.stat().st_size > MAX_FILE_BYTES:
                return self._emit(PurchaseView(file=path, message="El archivo es demasiado grande para ser un DTE",
                                               error=True))
            self._data = file.read_bytes()
        except OSError as exc:
            return self._emit(PurchaseView(file=path, message=f"No se puede leer el archivo: {exc.strerror}",
                                           error=True))
        self._moves_stock = True
        self._assigned = {}
        return self._show(path)

    def set_moves_stock(self, moves: bool) -> PurchaseView:
        """For a nota de crédito: False when it only corrects prices (no goods go back to the supplier)."""
        self._moves_stock = moves
        return self._show(self.view.file) if self._data else self.view

    def _show(self, path: str) -> PurchaseView:
        preview = self.service.preview(self._data, moves_stock=self._moves_stock)
        for (document, line_no), (sku, factor) in self._assigned.items():
            # a product that went away leaves the line as matched
            with contextlib.suppress(purchase_matching.MappingRefused):
                preview = self.service.assign(preview, line_no, sku, factor, document=document)
        self._preview = preview
        self._keys = []
        headline: list[str] = []
        rows: list[tuple[str, ...]] = []
        unmatched: list[int] = []
        totals: list[str] = []
        inherited = 0
        for n, d in enumerate(preview.documents):
            e = d.event
            if e is None:
                headline.append(d.label)
                continue
            headline.append(f"{d.label[:1].upper()}{d.label[1:]} · RUT {_rut(e.supplier.rut)} · emitida el "
                            f"{e.fecha_emision[8:10]}-{e.fecha_emision[5:7]}-{e.fecha_emision[:4]}")
            totals.append(purchases.describe_total(e))
            for x in e.lines:
                product = self.catalog.by_sku(x.sku) if x.sku else None
                if product is None:
                    unmatched.append(len(rows))
                self._keys.append((n, x.line_no))
                quantity = f"{_quantity(x.quantity)} {x.unit}".strip()
                if x.package_factor != 1:
                    quantity += f" × {_quantity(x.package_factor)} = {_quantity(x.store_quantity)}"
                if x.line_no in d.inherited:
                    quantity += f" (como en {d.inherited[x.line_no]})"
                    inherited += 1
                manual = " (a mano)" if x.matched_by == "manual" else ""
                rows.append((str(x.line_no), x.ean or x.code, x.name, quantity,
                             money.format_clp(x.unit_cost), money.format_clp(x.amount),
                             (_product_label(product) if product else NO_MATCH) + manual))
        if preview.importable:
            checks = "Firma, timbre (TED), CAF, esquema y totales verificados."
            warnings = [w for d in preview.documents for w in d.warnings]
            verdict = " ".join([checks, *[f"Atención: {w}." for w in warnings]])
            matched = sum(d.matched for d in preview.documents)
            message = (f"{matched} de {len(rows)} líneas reconocidas; las demás quedan en la compra sin mover stock. "
                       "Toque una línea para asignarle un producto o las unidades por bulto."
                       if unmatched else f"Las {len(rows)} líneas tienen producto. Toque una línea para cambiar su "
                       "producto o las unidades por bulto.")
            if inherited:
                message += (f" {'Una línea trae' if inherited == 1 else f'{inherited} líneas traen'} las unidades "
                            "por bulto de la compra anterior del mismo producto: revíselas.")
        else:
            verdict = "No se puede registrar: " + " · ".join(preview.refusals)
            message = ""
        credit = any(e.tipo == 61 for e in preview.events)
        return self._emit(PurchaseView(
            stage="preview", file=path, headline="\n".join(headline), verdict=verdict, rows=tuple(rows),
            unmatched_rows=tuple(unmatched), totals="\n".join(totals), message=message,
            error=not preview.importable, can_confirm=preview.importable, credit_note=credit,
            moves_stock=self._moves_stock))

    # --- hand assignment of a line ---------------------------------------------------------------------------

    def _line(self, row: int) -> tuple[int, purchase_events.PurchaseLine] | None:
        if self._preview is None or not 0 <= row < len(self._keys):
            return None
        document, line_no = self._keys[row]
        event = self._preview.documents[document].event
        assert event is not None
        return document, next(x for x in event.lines if x.line_no == line_no)

    def edit_line(self, row: int) -> PurchaseView:
        """Open the editor for row ``row`` of the preview (its product, if any, already chosen)."""
        found = self._line(row) if self.view.stage == "preview" else None
        if found is None:
            return self.view
        document, x = found
        product = self.catalog.by_sku(x.sku) if x.sku else None
        assert self._preview is not None
        source = self._preview.documents[document].inherited.get(x.line_no)
        title = f"Línea {x.line_no}: {x.name} · {_quantity(x.quantity)} {x.unit}".strip()
        if x.ean or x.code:
            title += f" · código {x.ean or x.code}"
        editor = LineEditor(row=row, title=title, current=self.view.rows[row][6], chosen=x.sku,
                            chosen_label=_product_label(product) if product else NO_MATCH,
                            factor=_quantity(x.package_factor),
                            factor_label=_factor_label(product) + (f" (como en {source})" if source else ""))
        return self._emit(replace(self.view, editor=editor))

    def search_products(self, text: str) -> PurchaseView:
        """Products for ``text``: an exact barcode or SKU first, then names (the till's catalog search)."""
        editor = self.view.editor
        if editor is None:
            return self.view
        code = text.strip()
        found: list[catalog.Product] = []
        if code:
            exact = self.catalog.by_barcode(code) or self.catalog.by_sku(code)
            if exact is not None and exact.active:
                found.append(exact)
            found += [p for p in self.catalog.search(code, MAX_RESULTS + 1) if p.sku not in
                      {f.sku for f in found}]
        results = tuple((p.sku, _product_label(p)) for p in found[:MAX_RESULTS])
        error = "" if results or not code else f"Ningún producto coincide con «{code}»"
        return self._emit(replace(self.view, editor=replace(editor, query=text, results=results, error=error)))

    def choose_product(self, sku: str) -> PurchaseView:
        """Pick ``sku`` for the line being edited (applied with :meth:`apply_line`)."""
        editor = self.view.editor
        product = self.catalog.by_sku(sku) if editor is not None else None
        if editor is None or product is None:
            return self.view
        return self._emit(replace(self.view, editor=replace(editor, chosen=product.sku,
                                                            chosen_label=_product_label(product),
                                                            factor_label=_factor_label(product), error="")))

    def set_factor(self, text: str) -> PurchaseView:
        """What the manager typed in "unidades por bulto" (checked by :meth:`apply_line`)."""
        editor = self.view.editor
        if editor is None or editor.factor == text:
            return self.view
        return self._emit(replace(self.view, editor=replace(editor, factor=text, error="")))

    def apply_line(self) -> PurchaseView:
        """Assign the chosen product and factor to the line; a bad factor stays in the editor with its reason."""
        editor = self.view.editor
        found = self._line(editor.row) if editor is not None else None
        if editor is None or found is None or self._preview is None:
            return self.view
        document, x = found
        try:
            preview = self.service.assign(self._preview, x.line_no, editor.chosen, editor.factor, document=document)
        except purchase_matching.MappingRefused as exc:
            reason = str(exc)
            return self._emit(replace(self.view, editor=replace(editor, error=reason[:1].upper() + reason[1:])))
        event = preview.documents[document].event
        assert event is not None
        line = next(y for y in event.lines if y.line_no == x.line_no)
        self._assigned[(document, x.line_no)] = (line.sku, line.package_factor)
        return self._show(self.view.file)

    def clear_line(self) -> PurchaseView:
        """Take the line's product away (and close the editor): it stays in the purchase without moving stock."""
        editor = self.view.editor
        if editor is None:
            return self.view
        self.view = replace(self.view, editor=replace(editor, chosen=None, factor="1"))
        return self.apply_line()

    def close_line(self) -> PurchaseView:
        """Leave the editor without changing the line."""
        return self._emit(replace(self.view, editor=None)) if self.view.editor is not None else self.view

    def confirm(self) -> PurchaseView:
        """Register what is previewed, with the supervisor's authorisation."""
        if self._preview is None or self.manager is None or not self.view.can_confirm or self.view.editor:
            return self._emit(replace(self.view, message="Elija primero un documento válido", error=True))
        first = self._preview.events[0]
        detail = f"{purchases.document_label(first.tipo, first.folio)} de {first.supplier.rut}"
        if len(self._preview.events) > 1:
            detail += f" y {len(self._preview.events) - 1} más"
        authorised = None if self._authorised is None else replace(self._authorised, detail=detail)
        try:
            recorded = self.service.record(self._preview, registered_by=self.manager.user_id,
                                           authorised=authorised)
        except purchases.PurchaseRefused as exc:
            return self._emit(replace(self.view, verdict="No se puede registrar: " + " · ".join(exc.reasons),
                                      message="", error=True, can_confirm=False))
        except errors.PosError as exc:
            return self._emit(replace(self.view, message=describe(exc), error=True))
        e = recorded[0]
        what = f"{purchases.document_label(e.tipo, e.folio)} de {e.supplier.razon_social}"
        if len(recorded) > 1:
            what += f" y {len(recorded) - 1} documento{'s' if len(recorded) > 2 else ''} más"
        iva = sum(x.sign * x.iva for x in recorded)
        self._preview = None
        return self._emit(replace(self.view, stage="done", can_confirm=False, error=False,
                                  message=f"Compra registrada: {what} · IVA crédito fiscal {money.format_clp(iva)}"))
