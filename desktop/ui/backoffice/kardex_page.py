"""The Kardex page: find a product (search, scan, touch a match), its movements newest first a page at a time,
Imprimir (a PDF opened to print) and Excel/CSV (saved on a USB stick when one is in, else in the till's folder)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from desktop.presenters.backoffice import sources
from desktop.presenters.backoffice.kardex import KardexLine, KardexPresenter, KardexView
from desktop.presenters.backoffice.ports import KardexFiles
from desktop.ui import binding, choices
from desktop.ui.backoffice.pages import PageContext
from desktop.ui.backoffice.search_field import SearchField
from desktop.ui.backoffice.table import TouchTable
from desktop.ui.file_picker import USB_ROOTS
from desktop.ui.widgets import BigButton, label, show_message

COLUMNS = (("Fecha", False), ("Movimiento · dónde · quién", False), ("Cantidad", True), ("Saldo", True),
           ("Costo u.", True), ("Valor", True))
MATCHES = 4


STICK_ROOTS = tuple(root for root in USB_ROOTS if root.name == "media")
"""Where the desktop mounts a USB stick, ``/media/<user>/<stick>`` or ``/run/media/<user>/<stick>`` (``/mnt`` holds
other things)."""


def export_folder(data_dir: Path) -> Path:
    """A USB stick's folder when one is mounted (:data:`STICK_ROOTS`), else ``<data_dir>/exportes``."""
    for root in STICK_ROOTS:
        sticks = sorted(p for p in root.glob("*/*") if p.is_dir()) if root.is_dir() else []
        if sticks:
            return sticks[0]
    return data_dir / "exportes"


def movement(line: KardexLine, *, all_warehouses: bool) -> str:
    """The Movimiento cell: what and its document, and under it the warehouse (when every warehouse is listed)
    and who."""
    what = f"{line.kind} · {line.document}" if line.document else line.kind
    under = " · ".join(part for part in (line.warehouse if all_warehouses else "", line.who) if part)
    return f"{what}\n{under}" if under else what


class KardexPage(QWidget):
    def __init__(self, presenter: KardexPresenter, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page-kardex")
        self.presenter, self.data_dir = presenter, data_dir
        self.search = SearchField("kardex-search", "Producto: buscar o escanear…")
        self.search.searched.connect(presenter.search)
        self.search.submitted.connect(presenter.scanned)
        self.warehouse = choices.combo("kardex-warehouse")
        self.warehouse.setMinimumWidth(250)
        self.warehouse.activated.connect(lambda _i: presenter.filter_warehouse(str(self.warehouse.currentData())))
        self.matches: list[BigButton] = []
        match_row = QHBoxLayout()
        for i in range(MATCHES):
            button = BigButton("", f"kardex-match-{i}")
            button.clicked.connect(lambda _=False, n=i: self._pick(n))
            match_row.addWidget(button)
            self.matches.append(button)
        self.product = label("", "kardex-product", "section")
        self.table = TouchTable("kardex-table", COLUMNS, stretch=1)
        self.message = label("", "kardex-message", wrap=True)
        self.newer = BigButton("◀ Recientes", "kardex-newer")
        self.newer.clicked.connect(presenter.newer)
        self.older = BigButton("Anteriores ▶", "kardex-older")
        self.older.clicked.connect(presenter.older)
        self.print = BigButton("Imprimir", "kardex-print")
        self.print.clicked.connect(self._print)
        self.xlsx = BigButton("Excel", "kardex-xlsx")
        self.xlsx.clicked.connect(lambda: presenter.export("xlsx", export_folder(self.data_dir)))
        self.csv = BigButton("CSV", "kardex-csv")
        self.csv.clicked.connect(lambda: presenter.export("csv", export_folder(self.data_dir)))
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.warehouse)
        bottom = QHBoxLayout()
        for button in (self.newer, self.older, self.print, self.xlsx, self.csv):
            bottom.addWidget(button)
        page = QVBoxLayout(self)
        page.setContentsMargins(0, 0, 0, 0)
        page.setSpacing(6)
        page.addLayout(top)
        page.addLayout(match_row)
        page.addWidget(self.product)
        page.addWidget(self.table, 1)
        page.addWidget(self.message)
        page.addLayout(bottom)
        binding.bind(presenter, self.show_view)

    def _pick(self, n: int) -> None:
        found = self.presenter.view.choices
        if n < len(found):
            self.search.clear_quietly()
            self.presenter.choose(found[n][0])

    def _print(self) -> None:
        view = self.presenter.pdf()
        if view.file:
            QDesktopServices.openUrl(QUrl.fromLocalFile(view.file))

    def show_view(self, view: KardexView) -> None:
        self.warehouse.blockSignals(True)
        if self.warehouse.count() != len(view.warehouses):
            self.warehouse.clear()
            for value, text in view.warehouses:
                self.warehouse.addItem(text, value)
        choices.pick(self.warehouse, view.warehouse)
        self.warehouse.blockSignals(False)
        for i, button in enumerate(self.matches):
            button.setText(view.choices[i][1] if i < len(view.choices) else "")
            button.setVisible(i < len(view.choices))
        self.product.setText(view.product or "Busque o escanee un producto para ver sus movimientos")
        self.table.set_rows([(str(i), (line.at.replace(" ", "\n"), movement(line, all_warehouses=not view.warehouse),
                                       line.quantity, line.balance, line.unit_cost, line.value),
                              "in" if line.entering else "")
                             for i, line in enumerate(view.lines)])
        show_message(self.message, view.message, view.error)
        self.message.setVisible(bool(view.message))
        self.newer.setEnabled(view.page > 0)
        self.older.setEnabled(view.has_more)
        for button in (self.print, self.xlsx, self.csv):
            button.setEnabled(view.can_file)

    # --- the shell's hooks ----------------------------------------------------------------------------------
    def scanned(self, code: str) -> None:
        self.search.scanned(code)

    def show_product(self, sku: str) -> None:
        self.search.clear_quietly()
        self.presenter.choose(sku)

    def refresh(self) -> None:
        if self.presenter.view.sku:
            self.presenter.choose(self.presenter.view.sku)


def files_of(context: PageContext) -> KardexFiles | None:
    """The till's kardex files (Excel, CSV, the PDF to print in ``<data_dir>/exportes``)."""
    service = context.terminal.inventory
    return None if service is None else sources.KardexFiles(service, context.terminal.settings.data_dir / "exportes")


def build(context: PageContext) -> QWidget:
    return KardexPage(KardexPresenter(context.source, files_of(context)), context.terminal.settings.data_dir)
