"""The back office's Mermas page: goods lost from a warehouse, by reason (Vencimiento, Daño, Robo, Extravío,
Consumo interno), with the quantity and what it costs shown before recording, and a supervisor's PIN when the
value passes the tenant's threshold (``desktop.services.mermas``).

Plain Python (no Qt): ``desktop.ui.backoffice.mermas_page`` draws ``MermasView``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from desktop.presenters.backoffice import lines
from desktop.services import inventory, mermas
from desktop.services.auth import User
from desktop.services.catalog import CatalogService
from shared import errors, money, roles

READ_ONLY = "Sólo lectura: las mermas las registra un administrador."
REASONS = tuple(mermas.REASON_NAMES.items())
"""(code, name) of each merma reason, in the order shown."""


@dataclass(frozen=True, slots=True)
class MermasView:
    """The form: ``warehouse`` of ``warehouses`` ``(id, name)``, ``reason`` of ``reasons`` ``(code, name)``, the
    product (``sku``, ``product``: "SKU · nombre", ``""`` none yet) found by ``found``, ``quantity`` and ``note``
    as typed; ``cost`` what it costs ("Costo $820 c/u · Total $4.920", or why it cannot be valued);
    ``needs_pin`` when a supervisor's PIN will be asked; ``asking_pin`` while it is asked (``pin_error`` why the
    last one was refused); ``recorded`` the mermas recorded here since the page opened (newest first)."""

    warehouses: tuple[tuple[str, str], ...]
    warehouse: str
    reasons: tuple[tuple[str, str], ...] = REASONS
    reason: str = ""
    found: lines.Found = lines.NOTHING
    sku: str = ""
    product: str = ""
    quantity: str = ""
    note: str = ""
    cost: str = ""
    needs_pin: bool = False
    asking_pin: bool = False
    pin_error: str = ""
    can_edit: bool = False
    can_record: bool = False
    recorded: tuple[tuple[str, ...], ...] = ()
    message: str = ""
    error: bool = False


RECORDED_COLUMNS = ("Producto", "Cantidad", "Motivo", "Valor", "Autorizó")


class MermasPresenter:
    """The Mermas page of ``user`` (an administrador records; a supervisor reads)."""

    def __init__(self, service: mermas.MermaService, products: CatalogService, user: User,
                 warehouses: list[inventory.Warehouse], who: Callable[[str], str] = lines.nobody,
                 on_change: Callable[[MermasView], None] = lambda v: None) -> None:
        self.service, self.products, self.user = service, products, user
        self.who = who
        self.on_change = on_change
        can_edit = user.role is roles.Role.ADMIN
        choices = tuple((w.warehouse_id, w.name) for w in warehouses)
        self.view = MermasView(warehouses=choices, warehouse=choices[0][0] if choices else "", can_edit=can_edit,
                               message="" if can_edit else READ_ONLY)

    def _emit(self, view: MermasView) -> MermasView:
        self.view = view
        self.on_change(view)
        return view

    def _quoted(self, view: MermasView) -> MermasView:
        """``view`` with the cost of what it would record, and whether it can be recorded."""
        if not view.sku or not view.quantity.strip():
            return replace(view, cost="", needs_pin=False, can_record=False)
        try:
            quote = self.service.quote(view.sku, view.quantity, view.warehouse)
        except errors.PosError as exc:
            return replace(view, cost=lines.describe_error(exc), needs_pin=False, can_record=False)
        unit = "kg" if quote.product.sold_by.value == "kg" else "c/u"
        cost = (f"Costo {money.format_clp(quote.unit_cost)} {unit} · Total {money.format_clp(quote.value)}"
                if quote.unit_cost else "Sin costo: el producto nunca se ha comprado (se registra a $0)")
        return replace(view, cost=cost, needs_pin=quote.needs_pin,
                       can_record=view.can_edit and bool(view.reason))

    # --- the form ---------------------------------------------------------------------------------------------

    def search(self, text: str) -> MermasView:
        """Words typed in the product field: up to four products to touch."""
        return self._emit(replace(self.view, found=lines.search(self.products, text)))

    def scan(self, code: str) -> MermasView:
        """A scanned (or typed, then Enter) code: its product is the one lost."""
        try:
            product = lines.scanned(self.products, code)
        except errors.PosError as exc:
            return self._emit(replace(self.view, found=lines.Found(code, (), lines.describe_error(exc))))
        return self.choose(product.sku)

    def choose(self, sku: str) -> MermasView:
        """The product of ``sku`` (touched among the results) is the one lost."""
        product = self.products.by_sku(sku)
        if product is None:
            return self.view
        quantity = self.view.quantity if self.view.sku == sku else ("1" if product.sold_by.value == "unit" else "")
        view = replace(self.view, sku=sku, product=lines.product_label(product), found=lines.Found(),
                       quantity=quantity, message="" if self.view.can_edit else READ_ONLY, error=False)
        return self._emit(self._quoted(view))

    def set_quantity(self, text: str) -> MermasView:
        return self._emit(self._quoted(replace(self.view, quantity=text)))

    def set_reason(self, code: str) -> MermasView:
        if code not in mermas.REASON_NAMES:
            return self.view
        return self._emit(self._quoted(replace(self.view, reason=code)))

    def set_warehouse(self, warehouse: str) -> MermasView:
        if warehouse not in dict(self.view.warehouses):
            return self.view
        return self._emit(self._quoted(replace(self.view, warehouse=warehouse)))

    def set_note(self, text: str) -> MermasView:
        return self._emit(replace(self.view, note=text))

    # --- recording --------------------------------------------------------------------------------------------

    def record(self, supervisor_pin: str = "") -> MermasView:
        """Record the merma; above the threshold the page asks a supervisor's PIN (``asking_pin``) and calls this
        again with it. A refusal keeps everything typed."""
        view = self.view
        if not view.can_edit:
            return self._emit(replace(view, message=READ_ONLY, error=True))
        if not view.sku:
            return self._emit(replace(view, message="Escanee o busque el producto perdido", error=True))
        if not view.reason:
            return self._emit(replace(view, message="Elija el motivo de la merma", error=True))
        try:
            event = self.service.record(self.user, view.sku, view.quantity, view.reason, warehouse=view.warehouse,
                                        note=view.note, supervisor_pin=supervisor_pin)
        except mermas.MermaNeedsPin as exc:
            return self._emit(replace(view, asking_pin=True, pin_error="", message=str(exc), error=False))
        except (errors.WrongPin, errors.LockedOut) as exc:
            return self._emit(replace(view, asking_pin=True, pin_error=lines.describe_error(exc)))
        except errors.PosError as exc:
            return self._emit(replace(view, asking_pin=False, message=lines.describe_error(exc), error=True))
        value = money.format_clp(mermas.value_of(event))
        reason = mermas.REASON_NAMES[event.reason]
        quantity = f"{lines.quantity_text(event.quantity, view_sold_by(self.products, event.sku))}"
        authorised = self.who(event.authorised_by) if event.authorised_by else "—"
        row = (f"{event.sku} · {event.name}", quantity, reason, value, authorised)
        return self._emit(replace(
            view, sku="", product="", quantity="", note="", cost="", needs_pin=False, asking_pin=False, pin_error="",
            can_record=False, recorded=(row, *view.recorded),
            message=f"Merma registrada: {quantity} de {event.name} · {reason} · {value}", error=False))

    def cancel_pin(self) -> MermasView:
        """The supervisor's PIN was not given: nothing recorded, the form stays as typed."""
        return self._emit(replace(self.view, asking_pin=False, pin_error="",
                                  message="Merma no registrada: falta el PIN de un supervisor", error=True))


def view_sold_by(products: CatalogService, sku: str) -> str:
    """``"kg"`` or ``"unit"`` for ``sku`` (units when it is unknown)."""
    product = products.by_sku(sku)
    return product.sold_by.value if product is not None else "unit"
