"""The Stock section: on hand per warehouse, value at cost, last movement, products below their minimum and
negative stock flagged; searched like the till, by scanner too, a page at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from desktop.presenters.backoffice import shell
from desktop.presenters.backoffice.ports import InventorySource, StockItem, Warehouse
from shared import money

PAGE = 40
"""Rows per page (a finger scrolls them; Anteriores/Siguientes page on)."""

ALL = ""
"""The warehouse filter's value for every warehouse."""


@dataclass(frozen=True, slots=True)
class StockLine:
    """A product as shown: ``warehouse`` where it is (the one asked for, or each with its quantity), ``value`` at
    cost and ``unit_cost`` (``"$668 c/u"``: the value over what is on hand, as HQ shows it; ``""`` never costed),
    ``flag`` ``""``, ``"low"`` (below minimum) or ``"negative"``; ``flag_text`` in Spanish."""

    sku: str
    name: str
    warehouse: str
    on_hand: str
    minimum: str
    value: str
    unit_cost: str
    last_movement: str
    flag: str
    flag_text: str


@dataclass(frozen=True, slots=True)
class StockView:
    """``summary``: the value at cost of the warehouse filtered (or of all), then the rows shown and alerts."""

    search: str = ""
    warehouse: str = ALL
    warehouses: tuple[tuple[str, str], ...] = ((ALL, "Todas las bodegas"),)
    alerts_only: bool = False
    lines: tuple[StockLine, ...] = ()
    page: int = 0
    has_more: bool = False
    summary: str = ""
    message: str = ""
    error: bool = False


def flag_of(item: StockItem) -> tuple[str, str]:
    """(``flag``, its words) of a row: negative first, then below the minimum."""
    if item.negative:
        return "negative", "Stock negativo"
    if item.below_minimum:
        minimum = f" ({shell.quantity(item.min_stock, item.sold_by)})" if item.min_stock is not None else ""
        return "low", f"Bajo el mínimo{minimum}"
    return "", ""


def where_of(item: StockItem, warehouse: str, names: dict[str, str]) -> str:
    """Where the goods are: the warehouse asked for, the only one, or each with its quantity (``Sala de ventas 20 ·
    Bodega 48``)."""
    if warehouse:
        return names.get(warehouse, warehouse)
    if not item.per_warehouse:
        return "Sin movimientos"
    if len(item.per_warehouse) == 1:  # its quantity is the row's
        return names.get(item.per_warehouse[0][0], item.per_warehouse[0][0])
    return " · ".join(f"{names.get(w, w)} {shell.quantity(q, item.sold_by)}" for w, q in item.per_warehouse)


def line_of(item: StockItem, warehouse: str, names: dict[str, str]) -> StockLine:
    flag, text = flag_of(item)
    return StockLine(item.sku, item.name, where_of(item, warehouse, names), shell.quantity(item.quantity, item.sold_by),
                     "" if item.min_stock is None else shell.quantity(item.min_stock, item.sold_by),
                     money.format_clp(item.value),
                     "" if item.unit_cost is None else f"{money.format_clp(item.unit_cost)} c/u",
                     shell.date(item.last_movement) or "—", flag, text)


class StockPresenter:
    """Intents: ``search(text)``, ``scanned(code)``, ``filter_warehouse(id)``, ``alerts_only(on)``, ``next_page``,
    ``previous_page``, ``refresh``."""

    def __init__(self, source: InventorySource, on_change: Callable[[StockView], None] = lambda v: None) -> None:
        self.source = source
        self.on_change = on_change
        self.warehouse_list: list[Warehouse] = []
        self.view = StockView()

    def _load(self, **changes: object) -> StockView:
        view = replace(self.view, message="", error=False, **changes)  # type: ignore[arg-type]
        self.warehouse_list = self.source.warehouses()
        names = {w.warehouse_id: w.name for w in self.warehouse_list}
        items = self.source.stock(view.search, view.warehouse or None, view.alerts_only, PAGE + 1, view.page * PAGE)
        lines = tuple(line_of(i, view.warehouse, names) for i in items[:PAGE])
        flagged = sum(1 for line in lines if line.flag)
        shown = f"{view.page * PAGE + 1}–{view.page * PAGE + len(lines)}" if lines else "0"
        summary = (f"Valor al costo: {money.format_clp(self.source.stock_value(view.warehouse or None))}"
                   f" · Mostrando {shown}" + (f" · {flagged} con alerta en esta página" if flagged else ""))
        view = replace(view, warehouses=((ALL, "Todas las bodegas"), *((w.warehouse_id, w.name)
                                                                        for w in self.warehouse_list)),
                       lines=lines, has_more=len(items) > PAGE, summary=summary)
        if not lines and view.search:
            view = replace(view, message=f"Ningún producto coincide con «{view.search}»", error=True)
        elif not lines and view.alerts_only:
            view = replace(view, message="No hay alertas de stock")
        self.view = view
        self.on_change(view)
        return view

    def refresh(self) -> StockView:
        return self._load()

    def search(self, text: str) -> StockView:
        return self._load(search=text.strip(), page=0)

    def scanned(self, code: str) -> StockView:
        """A scanned barcode (or a typed SKU/PLU and Enter): that product's rows, or say it is unknown."""
        code = code.strip()
        if not code:
            return self.search("")
        sku = self.source.find_code(code)
        if sku is None:
            return self._load(search=code, page=0)
        return self._load(search=sku, page=0)

    def filter_warehouse(self, warehouse: str) -> StockView:
        return self._load(warehouse=warehouse, page=0)

    def show_alerts_only(self, on: bool) -> StockView:
        return self._load(alerts_only=on, page=0)

    def next_page(self) -> StockView:
        return self._load(page=self.view.page + 1) if self.view.has_more else self.view

    def previous_page(self) -> StockView:
        return self._load(page=self.view.page - 1) if self.view.page > 0 else self.view
