"""The back-office "Registrar compra (DTE de proveedor)": a supervisor or administrator authorises with a PIN, picks
the supplier's XML, sees the verdict and the lines, and confirms; refusals are shown in Spanish.

Plain Python (no Qt): ``PurchaseDialog`` draws ``PurchaseView`` and forwards what the manager does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from desktop.journal import read_models
from desktop.presenters.sale import describe
from desktop.services import purchases
from desktop.services.auth import User
from desktop.terminal import Terminal
from shared import errors, money, roles, rut
from shared.events import auth as auth_events

MAX_FILE_BYTES = 32 * 1024 * 1024
COLUMNS = ("Línea", "Código", "Descripción", "Cantidad", "Costo unit. neto", "Monto", "Producto de la tienda")
NO_MATCH = "— sin producto"


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


def _quantity(q: Decimal) -> str:
    text = f"{q.normalize():f}" if q == q.to_integral_value() else f"{q:f}".rstrip("0")
    return text.replace(".", ",")


def _rut(value: str) -> str:
    try:
        return rut.format(value)
    except errors.InvalidRut:
        return value


class PurchasePresenter:
    """One registration: ``authorise`` first, then ``load`` a file, optionally ``set_moves_stock``, ``confirm``."""

    def __init__(self, terminal: Terminal, cashier_id: str,
                 on_change: Callable[[PurchaseView], None] = lambda v: None) -> None:
        self.terminal = terminal
        self.cashier_id = cashier_id
        self.on_change = on_change
        self.view = PurchaseView()
        self.manager: User | None = None
        self._authorised: auth_events.Authorised | None = None
        self._data = b""
        self._preview: purchases.Preview | None = None
        self._moves_stock = True

    @property
    def service(self) -> purchases.PurchaseService:
        assert self.terminal.purchases is not None
        return self.terminal.purchases

    def _emit(self, view: PurchaseView) -> PurchaseView:
        self.view = view
        self.on_change(view)
        return view

    def authorise(self, pin: str) -> str:
        """A supervisor's or administrator's PIN; returns the error to show ("" when authorised, journaled only when
        a purchase is registered; a wrong PIN is journaled at once)."""
        try:
            self.manager, self._authorised = self.terminal.auth.authorise(
                pin, roles.Action.PURCHASE, self.cashier_id, "Registrar compra (DTE de proveedor)")
        except errors.PosError as exc:
            return describe(exc)
        return ""

    def load(self, path: str) -> PurchaseView:
        """Read and verify the file at ``path`` and show what it would register."""
        if self._authorised is None:
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
        return self._show(path)

    def set_moves_stock(self, moves: bool) -> PurchaseView:
        """For a nota de crédito: False when it only corrects prices (no goods go back to the supplier)."""
        self._moves_stock = moves
        return self._show(self.view.file) if self._data else self.view

    def _show(self, path: str) -> PurchaseView:
        preview = self._preview = self.service.preview(self._data, moves_stock=self._moves_stock)
        conn = self.terminal.journal.conn
        headline: list[str] = []
        rows: list[tuple[str, ...]] = []
        unmatched: list[int] = []
        totals: list[str] = []
        for d in preview.documents:
            e = d.event
            if e is None:
                headline.append(d.label)
                continue
            headline.append(f"{d.label[:1].upper()}{d.label[1:]} · RUT {_rut(e.supplier.rut)} · emitida el "
                            f"{e.fecha_emision[8:10]}-{e.fecha_emision[5:7]}-{e.fecha_emision[:4]}")
            totals.append(purchases.describe_total(e))
            for x in e.lines:
                product = read_models.by_sku(conn, x.sku) if x.sku else None
                if product is None:
                    unmatched.append(len(rows))
                rows.append((str(x.line_no), x.ean or x.code, x.name, f"{_quantity(x.quantity)} {x.unit}".strip(),
                             money.format_clp(x.unit_cost), money.format_clp(x.amount),
                             f"{product.sku} · {product.name}" if product else NO_MATCH))
        if preview.importable:
            checks = "Firma, timbre (TED), CAF, esquema y totales verificados."
            warnings = [w for d in preview.documents for w in d.warnings]
            verdict = " ".join([checks, *[f"Atención: {w}." for w in warnings]])
            matched = sum(d.matched for d in preview.documents)
            message = (f"{matched} de {len(rows)} líneas reconocidas; las demás quedan en la compra sin mover stock."
                       if unmatched else f"Las {len(rows)} líneas tienen producto.")
        else:
            verdict = "No se puede registrar: " + " · ".join(preview.refusals)
            message = ""
        credit = any(e.tipo == 61 for e in preview.events)
        return self._emit(PurchaseView(
            stage="preview", file=path, headline="\n".join(headline), verdict=verdict, rows=tuple(rows),
            unmatched_rows=tuple(unmatched), totals="\n".join(totals), message=message,
            error=not preview.importable, can_confirm=preview.importable, credit_note=credit,
            moves_stock=self._moves_stock))

    def confirm(self) -> PurchaseView:
        """Register what is previewed, with the supervisor's authorisation."""
        if self._preview is None or self._authorised is None or not self.view.can_confirm:
            return self._emit(replace(self.view, message="Elija primero un documento válido", error=True))
        first = self._preview.events[0]
        detail = f"{purchases.document_label(first.tipo, first.folio)} de {first.supplier.rut}"
        if len(self._preview.events) > 1:
            detail += f" y {len(self._preview.events) - 1} más"
        authorised = replace(self._authorised, detail=detail)
        try:
            recorded = self.service.record(self._preview, registered_by=authorised.supervisor_id,
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
