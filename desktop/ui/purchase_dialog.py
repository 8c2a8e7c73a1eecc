"""The back-office dialog "Registrar compra (DTE de proveedor)": pick the supplier's XML, read the verdict and the
lines, confirm. It renders ``PurchaseView`` and forwards every action to ``PurchasePresenter``; the file picker is
Qt's own (not the desktop's native one), opened without blocking like every dialog of the till."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.presenters.purchase import COLUMNS, PurchasePresenter, PurchaseView
from desktop.ui import binding
from desktop.ui.style import INK
from desktop.ui.widgets import BigButton, label, named, open_over_window, show_message

TITLE = "Registrar compra (DTE de proveedor)"
UNMATCHED = QColor("#92400e")
NUMERIC = (0, 3, 4, 5)
TABLE_STYLE = (f"QTableWidget {{ background: white; border: 2px solid #cbd5e1; border-radius: 10px; font-size: 16px;"
               f" color: {INK}; gridline-color: #e2e8f0; }}")


class PurchaseDialog(QDialog):
    """Over the whole window; Cancelar/Cerrar (or Escape) goes back to the sale."""

    def __init__(self, parent: QWidget, presenter: PurchasePresenter, start_dir: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("purchase-dialog")
        self.setWindowTitle(TITLE)
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.presenter = presenter
        self.start_dir = start_dir or str(Path.home())
        self.pick = BigButton("Elegir archivo XML…", "purchase-pick", "primary")
        self.pick.clicked.connect(self.choose_file)
        self.file = label("Ningún archivo elegido", "purchase-file", "hint", wrap=True)
        self.headline = label("", "purchase-headline", "section", wrap=True)
        self.verdict = label("", "purchase-verdict", wrap=True)
        self.table = named(QTableWidget(0, len(COLUMNS)), "purchase-lines")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setStyleSheet(TABLE_STYLE)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.totals = label("", "purchase-totals", "section", wrap=True)
        self.no_stock = BigButton("Sólo corrige precios (no devuelve mercadería)", "purchase-no-stock")
        self.no_stock.setCheckable(True)
        self.no_stock.toggled.connect(lambda on: self.presenter.set_moves_stock(not on))
        self.message = label("", "purchase-message", wrap=True)
        self.cancel = BigButton("Cancelar", "purchase-cancel")
        self.cancel.clicked.connect(self.reject)
        self.confirm = BigButton("Registrar compra", "purchase-confirm", "primary")
        self.confirm.clicked.connect(self.presenter.confirm)
        self._layout()

    def _layout(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 12, 20, 12)
        outer.setSpacing(8)
        outer.addWidget(label(TITLE, role="title"))
        top = QHBoxLayout()
        top.addWidget(self.pick)
        top.addWidget(self.file, 1)
        outer.addLayout(top)
        outer.addWidget(self.headline)
        outer.addWidget(self.verdict)
        outer.addWidget(self.table, 1)
        outer.addWidget(self.totals)
        outer.addWidget(self.no_stock)
        outer.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel, 1)
        buttons.addWidget(self.confirm, 2)
        outer.addLayout(buttons)

    def start(self) -> None:
        """Draw the presenter's views from now on and cover the window (without blocking)."""
        binding.bind(self.presenter, self.show_view)
        open_over_window(self)

    def choose_file(self) -> QFileDialog:
        """Open the file picker (non-blocking); the chosen file is previewed."""
        picker = QFileDialog(self, "XML del proveedor", self.start_dir,
                             "Documentos XML (*.xml *.XML);;Todos los archivos (*)")
        picker.setObjectName("purchase-file-picker")
        picker.setFileMode(QFileDialog.FileMode.ExistingFile)
        picker.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.fileSelected.connect(self._chosen)
        picker.open()
        return picker

    def _chosen(self, path: str) -> None:
        if path:
            self.start_dir = str(Path(path).parent)
            self.presenter.load(path)

    def show_view(self, view: PurchaseView) -> None:
        self.file.setText(view.file or "Ningún archivo elegido")
        self.headline.setText(view.headline)
        self.headline.setVisible(bool(view.headline))
        show_message(self.verdict, view.verdict, view.error)
        self.verdict.setStyleSheet("" if view.error else "color: #15803d; font-weight: 700;")
        self.table.setRowCount(len(view.rows))
        for r, row in enumerate(view.rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if c in NUMERIC:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if r in view.unmatched_rows:
                    item.setForeground(UNMATCHED)
                self.table.setItem(r, c, item)
        self.totals.setText(view.totals)
        self.totals.setVisible(bool(view.totals))
        self.no_stock.blockSignals(True)
        self.no_stock.setChecked(not view.moves_stock)
        self.no_stock.blockSignals(False)
        self.no_stock.setVisible(view.credit_note and view.stage == "preview")
        show_message(self.message, view.message, view.error and not view.verdict)
        self.confirm.setEnabled(view.can_confirm)
        self.pick.setEnabled(view.stage != "done")
        self.cancel.setText("Cerrar" if view.stage == "done" else "Cancelar")
