"""«Nuevo producto» of the back office: a product the store creates itself (usually from a scanned code the catalog
lacks), checked field by field in Spanish and created through ``desktop.services.local_products``; local until HQ
adopts it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from desktop.services import inventory
from desktop.services.auth import User
from desktop.services.local_products import LocalProductService, NewProduct, parse_barcodes, parse_price
from shared import errors

LOCAL_NOTE = "Se vende de inmediato en esta tienda; queda «Local (pendiente de HQ)» hasta que HQ lo adopte."


@dataclass(frozen=True, slots=True)
class NewProductView:
    """``codes``: the barcodes gathered (scanned or typed and Enter); ``problem``: the field to fix (``name``,
    ``price``, ``category``, ``barcodes`` or ``""``); ``created``: the SKU once created (the dialog closes)."""

    codes: tuple[str, ...] = ()
    sold_by: str = "unit"
    iva_exempt: bool = False
    categories: tuple[str, ...] = ()
    message: str = LOCAL_NOTE
    error: bool = False
    problem: str = ""
    created: str = ""
    created_name: str = ""


class NewProductPresenter:
    """Intents: ``scanned(code)`` (adds a barcode), ``clear_codes``, ``choose_sold_by``, ``toggle_iva_exempt``,
    ``create(name, price, category, pending_code)``."""

    def __init__(self, service: LocalProductService, user: User, *, code: str = "",
                 on_change: Callable[[NewProductView], None] = lambda v: None) -> None:
        self.service, self.user = service, user
        self.on_change = on_change
        self.view = NewProductView(categories=tuple(service.categories()))
        if code.strip():
            self.scanned(code)

    def _emit(self, view: NewProductView) -> NewProductView:
        self.view = view
        self.on_change(view)
        return view

    def _refuse(self, message: str, problem: str) -> NewProductView:
        return self._emit(replace(self.view, message=message, error=True, problem=problem))

    def scanned(self, code: str) -> NewProductView:
        """A code scanned or typed in the barcode field: added when it is an EAN/UPC no other product has."""
        try:
            codes = parse_barcodes(code)
        except errors.PosError as exc:
            return self._refuse(f"Código no válido: {exc}", "barcodes")
        fresh = [c for c in codes if c not in self.view.codes]
        for c in fresh:
            owner = self.service.barcode_owner(c)
            if owner is not None:
                return self._refuse(f"El código {c} ya es del producto «{owner[1]}» ({owner[0]}): búsquelo en la"
                                    " lista.", "barcodes")
        if not codes:
            return self.view
        added = (*self.view.codes, *fresh)
        message = f"Código {', '.join(codes)} agregado." if fresh else f"El código {codes[0]} ya está agregado."
        return self._emit(replace(self.view, codes=added, message=message, error=False, problem=""))

    def clear_codes(self) -> NewProductView:
        return self._emit(replace(self.view, codes=(), message="Sin códigos de barras.", error=False, problem=""))

    def choose_sold_by(self, sold_by: str) -> NewProductView:
        return self._emit(replace(self.view, sold_by="kg" if sold_by == "kg" else "unit"))

    def toggle_iva_exempt(self) -> NewProductView:
        return self._emit(replace(self.view, iva_exempt=not self.view.iva_exempt))

    def create(self, name: str, price: str, category: str, pending_code: str = "") -> NewProductView:
        """Create the product as typed (``pending_code``: what is in the barcode field without Enter yet). On a
        problem the message says what and ``problem`` which field; nothing typed is lost."""
        if pending_code.strip() and self.scanned(pending_code).error:
            return self.view
        if not name.strip():
            return self._refuse("Escriba el nombre del producto.", "name")
        try:
            parse_price(price)
        except errors.PosError as exc:
            return self._refuse(f"Precio no válido: {exc}", "price")
        if not category.strip():
            return self._refuse("Escriba o elija la categoría.", "category")
        try:
            event = self.service.create(self.user, NewProduct(
                name=name, price=price, category=category, sold_by=self.view.sold_by,
                barcodes=" ".join(self.view.codes), iva_exempt=self.view.iva_exempt))
        except inventory.NotAdministrator as exc:
            return self._refuse(str(exc), "")
        except errors.PosError as exc:
            text = str(exc)
            problem = ("barcodes" if "código de barras" in text else "name" if "llamado" in text or "nombre" in text
                       else "category" if "categoría" in text else "")
            return self._refuse(f"No se creó: {text}", problem)
        return self._emit(replace(self.view, created=event.sku, created_name=event.name, error=False, problem="",
                                  message=f"Creado {event.name} ({event.sku}). {LOCAL_NOTE}"))
