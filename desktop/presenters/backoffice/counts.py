"""The back office's Toma de inventario page: a blind count sheet opened per warehouse (or one category of it),
filled by scanning (one more each time) or typing a line's quantity, each line kept at once (closing the app or a
power cut loses nothing: the sheet is there when the page opens again), and posted once with a reason by the
administrador who approves it; only then are the expected quantities and the adjustments shown
(``desktop.services.counts``).

Plain Python (no Qt): ``desktop.ui.backoffice.counts_page`` draws ``CountsView``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace

from desktop.journal import inventory_queries as queries
from desktop.presenters.backoffice import lines
from desktop.services import counts, inventory
from desktop.services.auth import User
from desktop.services.catalog import CatalogService
from shared import errors, es_cl, roles

READ_ONLY = "Sólo lectura: las tomas de inventario las hace y publica un administrador."
SECTIONS = (("sheet", "Toma abierta"), ("new", "Nueva toma"), ("history", "Publicadas"))
ALL = ""
"""The category of a count of the whole warehouse."""
SHEET_COLUMNS = ("Producto", "Contado")
OPEN_COLUMNS = ("Abierta el", "Bodega", "Categoría", "Líneas")
HISTORY_COLUMNS = ("Publicada el", "Bodega", "Categoría", "Líneas", "Motivo", "Aprobó")
RESULT_COLUMNS = ("Producto", "Esperado", "Contado", "Ajuste")
REASONS = ("Toma mensual", "Toma por categoría", "Diferencias detectadas", "Cierre de temporada")


@dataclass(frozen=True, slots=True)
class CountsView:
    """``section`` of :data:`SECTIONS`. A new count: ``warehouse`` of ``warehouses`` and ``category`` of
    ``categories`` (``""``: all). The open sheet ``count_id`` (``title`` says what it counts): ``sheet`` rows
    (:data:`SHEET_COLUMNS`, blind), the ``selected`` one and its ``quantity`` as typed, ``reason`` as typed,
    ``inactive`` products HQ deactivated meanwhile (post without them). ``result`` the lines of the count just
    posted or opened from ``history`` (:data:`RESULT_COLUMNS`), titled ``result_title``."""

    warehouses: tuple[tuple[str, str], ...]
    warehouse: str
    categories: tuple[str, ...]
    section: str = "new"
    category: str = ALL
    open_counts: tuple[tuple[str, ...], ...] = ()
    count_id: str = ""
    title: str = ""
    found: lines.Found = lines.NOTHING
    sheet: tuple[tuple[str, ...], ...] = ()
    selected: int | None = None
    quantity: str = ""
    reason: str = ""
    approver: str = ""
    inactive: str = ""
    history: tuple[tuple[str, ...], ...] = ()
    result_title: str = ""
    result: tuple[tuple[str, ...], ...] = ()
    can_edit: bool = False
    moved: int = 0
    """How many counts were posted on this page (stock moved: the shell takes the alerts again)."""
    message: str = ""
    error: bool = False


def _day(iso: str) -> str:
    parts = iso[:10].split("-")
    return f"{parts[2]}-{parts[1]}-{parts[0]} {iso[11:16]}".strip() if len(parts) == 3 else iso


class CountsPresenter:
    """The Toma de inventario page of ``user`` (an administrador counts and posts; a supervisor reads)."""

    def __init__(self, service: counts.CountService, products: CatalogService, conn: sqlite3.Connection, user: User,
                 warehouses: list[inventory.Warehouse], who: Callable[[str], str] = lines.nobody,
                 on_change: Callable[[CountsView], None] = lambda v: None) -> None:
        self.service, self.products, self.conn, self.user = service, products, conn, user
        self.who = who
        self.on_change = on_change
        self.names = {w.warehouse_id: w.name for w in warehouses}
        self._skus: list[str] = []
        self._open: list[str] = []
        self._posted: list[str] = []
        choices = tuple((w.warehouse_id, w.name) for w in warehouses)
        can_edit = user.role is roles.Role.ADMIN
        view = CountsView(warehouses=choices, warehouse=choices[0][0] if choices else "",
                          categories=(ALL, *products.categories()), can_edit=can_edit, approver=user.name,
                          message="" if can_edit else READ_ONLY)
        view = self._lists(view)
        if self._open:  # a sheet left open (the app closed, the power went): continue it
            view = self._sheet(replace(view, count_id=self._open[-1], section="sheet"))
        self.view = view

    def _emit(self, view: CountsView) -> CountsView:
        self.view = view
        self.on_change(view)
        return view

    def _what(self, warehouse: str, category: str) -> str:
        return f"{self.names.get(warehouse, warehouse)} · {category or 'todas las categorías'}"

    def _lists(self, view: CountsView) -> CountsView:
        waiting = queries.open_counts(self.conn)
        self._open = [c.count_id for c in waiting]
        posted = [c for c in queries.counts(self.conn) if c.state == "posted"]
        self._posted = [c.count_id for c in posted]
        return replace(
            view,
            open_counts=tuple((_day(c.started_at), self.names.get(c.warehouse, c.warehouse),
                               c.category or "Todas", str(c.lines)) for c in waiting),
            history=tuple((_day(c.posted_at), self.names.get(c.warehouse, c.warehouse), c.category or "Todas",
                           str(c.lines), c.reason, self.who(c.approved_by)) for c in posted))

    def _sheet(self, view: CountsView) -> CountsView:
        """``view`` with the open count's sheet read again (blind: what was counted, never what is expected)."""
        found = queries.count_sheet(self.conn, view.count_id) if view.count_id else None
        if found is None or found.count.state != "open":
            self._skus = []
            return replace(view, count_id="", title="", sheet=(), selected=None, quantity="")
        self._skus = [x.sku for x in found.lines]
        sheet = tuple((f"{x.sku} · {x.name}", es_cl.number(x.counted)) for x in found.lines)
        c = found.count
        title = f"{self._what(c.warehouse, c.category)} · abierta el {_day(c.started_at)} por {self.who(c.started_by)}"
        return replace(view, title=title, sheet=sheet)

    def show(self, section: str) -> CountsView:
        if section not in dict(SECTIONS):
            return self.view
        return self._emit(self._lists(replace(self.view, section=section)))

    def refresh(self) -> CountsView:
        """Read the counts and the open sheet again (another till of the store may have counted or posted)."""
        return self._emit(self._lists(self._sheet(self.view)))

    # --- a new count -------------------------------------------------------------------------------------

    def set_warehouse(self, warehouse: str) -> CountsView:
        if warehouse not in self.names:
            return self.view
        return self._emit(replace(self.view, warehouse=warehouse))

    def set_category(self, category: str) -> CountsView:
        if category not in self.view.categories:
            return self.view
        return self._emit(replace(self.view, category=category))

    def start(self) -> CountsView:
        """Open a count sheet of the chosen warehouse and category."""
        view = self.view
        try:
            started = self.service.start(self.user, view.warehouse, view.category)
        except errors.PosError as exc:
            return self._emit(replace(view, message=lines.describe_error(exc), error=True))
        view = replace(view, count_id=started.count_id, section="sheet", selected=None, quantity="", reason="",
                       inactive="", error=False,
                       message=f"Toma abierta: {self._what(started.warehouse, started.category)}. Escanee cada "
                               "producto (uno más por lectura) o toque una línea y escriba cuántos hay.")
        return self._emit(self._lists(self._sheet(view)))

    def resume(self, row: int) -> CountsView:
        """Continue the open count of ``row``."""
        if not 0 <= row < len(self._open):
            return self.view
        view = replace(self.view, count_id=self._open[row], section="sheet", selected=None, quantity="",
                       inactive="", message="", error=False)
        return self._emit(self._sheet(view))

    # --- filling the sheet ---------------------------------------------------------------------------------

    def search(self, text: str) -> CountsView:
        return self._emit(replace(self.view, found=lines.search(self.products, text)))

    def scan(self, code: str) -> CountsView:
        """A scanned code: one more of its product on the sheet (kept at once)."""
        return self._count(code, "1", add=True)

    def choose(self, sku: str) -> CountsView:
        """A product touched among the results: on the sheet (with nothing counted yet when it is new)."""
        if sku in self._skus:
            return self.select(self._skus.index(sku))
        return self._count(sku, "0", add=True)

    def _count(self, code: str, quantity: str, *, add: bool) -> CountsView:
        view = self.view
        if not view.count_id:
            return self._emit(replace(view, message="Abra primero una toma (Nueva toma) o continúe una abierta",
                                      error=True))
        try:
            counted = self.service.count(self.user, view.count_id, code, quantity, add=add)
        except errors.PosError as exc:
            return self._emit(replace(view, found=lines.Found(), message=lines.describe_error(exc), error=True))
        view = self._sheet(replace(view, found=lines.Found(), error=False,
                                   message=f"{counted.name}: {es_cl.number(counted.counted)} contados"))
        row = self._skus.index(counted.sku) if counted.sku in self._skus else None
        return self._emit(replace(view, selected=row, quantity=es_cl.number(counted.counted, group=False)))

    def select(self, row: int) -> CountsView:
        if not 0 <= row < len(self._skus):
            return self.view
        return self._emit(replace(self.view, selected=row, quantity=self.view.sheet[row][1].replace(".", "")))

    def set_quantity(self, text: str) -> CountsView:
        """What is on the shelf of the selected line, as typed: kept at once when valid; a bad one is named and
        stays typed (the sheet keeps the last good one)."""
        view = self.view
        if view.selected is None:
            return view
        sku = self._skus[view.selected]
        if not text.strip():
            return self._emit(replace(view, quantity=text))
        try:
            self.service.count(self.user, view.count_id, sku, text)
        except errors.PosError as exc:
            return self._emit(replace(view, quantity=text, message=lines.describe_error(exc), error=True))
        return self._emit(replace(self._sheet(view), quantity=text, message="", error=False))

    def set_reason(self, text: str) -> CountsView:
        return self._emit(replace(self.view, reason=text))

    # --- posting -------------------------------------------------------------------------------------------

    def post(self, *, leave_out_inactive: bool = False) -> CountsView:
        """Post the sheet as adjustments with the reason, approved by the signed-in administrador; then show
        what was expected and the adjustments. A refusal keeps the sheet and what was typed."""
        view = self.view
        if not view.count_id:
            return view
        try:
            posted = self.service.post(self.user, view.count_id, view.reason,
                                       leave_out_inactive=leave_out_inactive)
        except counts.InactiveProducts as exc:
            return self._emit(replace(view, inactive=", ".join(name for _sku, name in exc.products),
                                      message=lines.describe_error(exc), error=True))
        except errors.PosError as exc:
            return self._emit(replace(view, message=lines.describe_error(exc), error=True))
        result = tuple((f"{x.sku} · {x.name}", es_cl.number(x.expected), es_cl.number(x.counted),
                        "—" if x.delta == 0 else f"{'+' if x.delta > 0 else ''}{es_cl.number(x.delta)}")
                       for x in posted.lines)
        changed = sum(1 for x in posted.lines if x.delta != 0)
        view = replace(view, count_id="", title="", sheet=(), selected=None, quantity="", reason="", inactive="",
                       section="history", result=result, moved=view.moved + 1, error=False,
                       result_title=f"{self.names.get(posted.warehouse, posted.warehouse)} · {posted.reason} · "
                                    f"aprobó {self.user.name}",
                       message=f"Toma publicada: {lines.plural(len(posted.lines), 'producto', 'productos')}, "
                               f"{changed} con ajuste")
        self._skus = []
        return self._emit(self._lists(view))

    def open_posted(self, row: int) -> CountsView:
        """Show what a posted count of the history expected, counted and adjusted."""
        if not 0 <= row < len(self._posted):
            return self.view
        found = queries.count_sheet(self.conn, self._posted[row])
        if found is None:
            return self.view
        result = tuple((f"{x.sku} · {x.name}", es_cl.number(x.expected or 0), es_cl.number(x.counted),
                        "—" if not x.delta else f"{'+' if x.delta > 0 else ''}{es_cl.number(x.delta)}")
                       for x in found.lines)
        c = found.count
        return self._emit(replace(self.view, result=result,
                                  result_title=f"{self.names.get(c.warehouse, c.warehouse)} · {c.reason} · "
                                               f"aprobó {self.who(c.approved_by)}"))
