"""The Kardex section: a product found by search or scan, every movement with date, document, who, quantity,
running balance, unit cost and value, newest first and a page at a time; printed as PDF, exported to a spreadsheet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from desktop.presenters.backoffice import shell
from desktop.presenters.backoffice.ports import InventorySource, KardexFiles, KardexItem, StoreProduct
from shared import errors, money

PAGE = 50
KINDS = {"venta": "Venta", "devolucion": "Devolución", "compra": "Compra",
         "devolucion_proveedor": "Devolución a proveedor", "traslado_salida": "Traslado (salida)",
         "traslado_entrada": "Traslado (entrada)", "toma": "Toma de inventario", "merma": "Merma",
         "ajuste": "Ajuste"}
"""The movement kinds of ``shared.inventory.KINDS`` in words."""


@dataclass(frozen=True, slots=True)
class KardexLine:
    at: str
    warehouse: str
    kind: str
    document: str
    who: str
    quantity: str
    balance: str
    unit_cost: str
    value: str
    entering: bool


@dataclass(frozen=True, slots=True)
class KardexView:
    search: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    """Products matching the search, to pick one: (sku, "name · sku")."""
    sku: str = ""
    product: str = ""
    warehouse: str = ""
    warehouses: tuple[tuple[str, str], ...] = (("", "Todas las bodegas"),)
    lines: tuple[KardexLine, ...] = ()
    page: int = 0
    has_more: bool = False
    file: str = ""
    """The file the last Imprimir or Excel/CSV wrote."""
    message: str = ""
    error: bool = False

    @property
    def can_file(self) -> bool:
        """A product is chosen: Imprimir and Exportar work."""
        return bool(self.sku)


def signed(value: str, negative: bool) -> str:
    return value if negative else f"+{value}"


def line_of(item: KardexItem, sold_by: str, names: dict[str, str]) -> KardexLine:
    qty = shell.quantity(item.quantity, sold_by)
    return KardexLine(shell.day(item.at), names.get(item.warehouse, item.warehouse), KINDS.get(item.kind, item.kind),
                      item.document, item.who, signed(qty, item.quantity < 0), shell.quantity(item.balance, sold_by),
                      money.format_clp(item.unit_cost), money.format_clp(item.value), item.quantity >= 0)


class KardexPresenter:
    """Intents: ``search(text)``, ``scanned(code)``, ``choose(sku)``, ``filter_warehouse``, ``older``, ``newest``,
    ``export(fmt, folder)``, ``pdf()``."""

    def __init__(self, source: InventorySource, files: KardexFiles | None,
                 on_change: Callable[[KardexView], None] = lambda v: None) -> None:
        self.source, self.files = source, files
        self.on_change = on_change
        self.product: StoreProduct | None = None
        self.cursors: list[int | None] = [None]  # the ``before`` of each page seen, to go back
        self.view = KardexView()

    def _emit(self, view: KardexView) -> KardexView:
        self.view = view
        self.on_change(view)
        return view

    def _warehouses(self) -> tuple[tuple[str, str], ...]:
        return (("", "Todas las bodegas"), *((w.warehouse_id, w.name) for w in self.source.warehouses()))

    def _page(self, page: int, **changes: object) -> KardexView:
        view = replace(self.view, message="", error=False, file="", page=page, **changes)  # type: ignore[arg-type]
        if self.product is None:
            return self._emit(replace(view, lines=(), has_more=False))
        warehouses = self._warehouses()
        items = self.source.kardex(self.product.sku, view.warehouse or None, self.cursors[page], PAGE + 1)
        lines = tuple(line_of(i, self.product.sold_by, dict(warehouses)) for i in items[:PAGE])
        if len(items) > PAGE:
            del self.cursors[page + 1:]
            self.cursors.append(items[PAGE - 1].cursor)
        message = "" if lines else "Este producto aún no tiene movimientos" + (" en esta bodega" if view.warehouse
                                                                                   else "")
        return self._emit(replace(view, warehouses=warehouses, lines=lines, has_more=len(items) > PAGE,
                                  message=message))

    def search(self, text: str) -> KardexView:
        """Products whose name, brand or category match ``text`` (the till's fold); one match is chosen."""
        text = text.strip()
        if not text:
            return self._emit(replace(self.view, search="", choices=(), message="", error=False))
        found = self.source.products(text, 12, 0)
        if len(found) == 1:
            return self.choose(found[0].sku)
        message = f"Ningún producto coincide con «{text}»" if not found else "Toque el producto"
        return self._emit(replace(self.view, search=text, choices=tuple(
            (p.sku, f"{p.name} · {p.sku}") for p in found), message=message, error=not found))

    def scanned(self, code: str) -> KardexView:
        """A scanned barcode (or a typed SKU and Enter) chooses its product."""
        sku = self.source.find_code(code.strip()) if code.strip() else None
        if sku is None:
            return self.search(code)
        return self.choose(sku)

    def choose(self, sku: str) -> KardexView:
        product = self.source.product(sku)
        if product is None:
            return self._emit(replace(self.view, message=f"Producto no encontrado: {sku}", error=True))
        self.product = product
        self.cursors = [None]
        return self._page(0, sku=sku, product=f"{product.name} · {product.sku}", choices=(), search="")

    def filter_warehouse(self, warehouse: str) -> KardexView:
        self.cursors = [None]
        return self._page(0, warehouse=warehouse)

    def older(self) -> KardexView:
        return self._page(self.view.page + 1) if self.view.has_more else self.view

    def newer(self) -> KardexView:
        return self._page(self.view.page - 1) if self.view.page > 0 else self.view

    def _file(self, make: Callable[[KardexFiles, str], Path], done: str) -> KardexView:
        if self.product is None:
            return self._emit(replace(self.view, message="Elija primero un producto", error=True))
        if self.files is None:
            return self._emit(replace(self.view, message="Esta caja no exporta el kardex", error=True))
        try:
            path = make(self.files, self.product.sku)
        except (errors.PosError, OSError) as exc:
            return self._emit(replace(self.view, message=f"No se pudo: {exc}", error=True))
        return self._emit(replace(self.view, message=f"{done}: {path}", error=False, file=str(path)))

    def export(self, fmt: str, folder: Path) -> KardexView:
        """Write the kardex (every page, the warehouse chosen) as ``"xlsx"`` or ``"csv"`` into ``folder``."""
        return self._file(lambda files, sku: files.export(sku, self.view.warehouse or None, fmt, folder),
                          f"Kardex guardado ({fmt.upper()})")

    def pdf(self) -> KardexView:
        """The printable kardex as a PDF (the window opens it to print)."""
        return self._file(lambda files, sku: files.pdf(sku, self.view.warehouse or None), "Kardex para imprimir")
