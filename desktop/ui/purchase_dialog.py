"""The back-office dialog "Registrar compra (DTE de proveedor)": pick the supplier's XML, read the verdict and the
lines, confirm. It renders ``PurchaseView`` and forwards every action to ``PurchasePresenter``; the file picker is
the till's own touch picker (``file_picker``), opened without blocking like every dialog of the till.

Touching a line opens the line editor in place of the table (``purchase-line-editor``): a product search (name, SKU
or barcode) with up to four finger-sized results, "Unidades por bulto" (kg per package for a product sold by
weight), Volver / Quitar producto / Asignar, over the on-screen keyboard; it fits 1024×600."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFocusEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.presenters.purchase import COLUMNS, MAX_RESULTS, LineEditor, PurchasePresenter, PurchaseView
from desktop.ui import binding
from desktop.ui.file_picker import TouchFilePicker
from desktop.ui.style import INK, TOUCH_MIN
from desktop.ui.touch_keyboard import TouchKeyboard
from desktop.ui.widgets import BigButton, label, named, open_over_window, show_message

TITLE = "Registrar compra (DTE de proveedor)"
UNMATCHED = QColor("#92400e")
NUMERIC = (0, 3, 4, 5)
ROW_HEIGHT = 44
"""A line of the preview is touched to edit it: at least a fingertip high."""
FIELD_STYLE = "QLineEdit { font-size: 20px; min-height: 44px; padding: 0 10px; }"
TABLE_STYLE = (f"QTableWidget {{ background: white; border: 2px solid #cbd5e1; border-radius: 10px; font-size: 16px;"
               f" color: {INK}; gridline-color: #e2e8f0; }}")


class SelectingField(QLineEdit):
    """A short number field whose text is selected when touched: what is typed replaces it (no stray "112")."""

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        QTimer.singleShot(0, self.selectAll)  # after the touch's press, which would place the cursor


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
        self.file.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # a long name never
        # widens the dialog past the screen
        self.headline = label("", "purchase-headline", "section", wrap=True)
        self.verdict = label("", "purchase-verdict", wrap=True)
        self.table = named(QTableWidget(0, len(COLUMNS)), "purchase-lines")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setStyleSheet(TABLE_STYLE)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.table.cellClicked.connect(lambda row, _column: self.presenter.edit_line(row))
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
        self._editor_widgets()
        self._layout()

    def _editor_widgets(self) -> None:
        self.editor = named(QWidget(), "purchase-line-editor")
        self.line_title = label("", "purchase-line-title", "section")
        self.line_chosen = label("", "purchase-line-product", "section")
        for one_line in (self.line_title, self.line_chosen):  # one line each: the keyboard needs the height
            one_line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.line_error = label("", "purchase-line-error", wrap=True)
        self.line_error.setMinimumHeight(TOUCH_MIN)
        self.search = named(QLineEdit(), "purchase-product-search")
        self.search.setPlaceholderText("Buscar producto: nombre, SKU o código de barras")
        self.search.setStyleSheet(FIELD_STYLE)
        self.search.textEdited.connect(self.presenter.search_products)
        self.factor_label = label("Unidades por bulto", "purchase-factor-label")
        self.factor = named(SelectingField(), "purchase-factor")
        self.factor.setStyleSheet(FIELD_STYLE)
        self.factor.setMaximumWidth(120)
        self.factor.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.factor.setInputMethodHints(Qt.InputMethodHint.ImhFormattedNumbersOnly)
        self.factor.setProperty("enterLabel", "Asignar")
        self.factor.textEdited.connect(self.presenter.set_factor)
        self.factor.returnPressed.connect(self.presenter.apply_line)
        self.search.returnPressed.connect(self.factor.setFocus)
        self.results: list[BigButton] = []
        for i in range(MAX_RESULTS):
            button = BigButton("", f"purchase-result-{i}")
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, n=i: self._pick(n))
            self.results.append(button)
        self.keyboard = TouchKeyboard()
        hint = self.keyboard.findChild(QLabel, "tk-numeric-hint")
        if hint is not None:  # its numeric page speaks of RUTs: here it types units per package
            hint.setText("Unidades por bulto: cuántas unidades trae cada caja o paquete (12 para «CJ 12 x 1 L»). "
                         "Para un producto por kg, los kg de cada bulto (use «.» para los decimales).")
        self.line_back = BigButton("Volver", "purchase-line-back")
        self.line_back.clicked.connect(self.presenter.close_line)
        self.line_clear = BigButton("Quitar producto", "purchase-line-clear")
        self.line_clear.clicked.connect(self.presenter.clear_line)
        self.line_apply = BigButton("Asignar", "purchase-line-apply", "primary")
        self.line_apply.clicked.connect(self.presenter.apply_line)
        box = QVBoxLayout(self.editor)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(6)
        heading = QHBoxLayout()
        heading.addWidget(self.line_title, 3)
        heading.addWidget(self.line_chosen, 2)
        box.addLayout(heading)
        fields = QHBoxLayout()
        fields.addWidget(self.search, 1)
        fields.addWidget(self.factor_label)
        fields.addWidget(self.factor)
        box.addLayout(fields)
        found = QHBoxLayout()
        for button in self.results:
            found.addWidget(button, 1)
        found.addWidget(self.line_error, 4)  # a refusal takes the results' place until the field is touched again
        box.addLayout(found)
        box.addWidget(self.keyboard, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.line_back, 1)
        actions.addWidget(self.line_clear, 1)
        actions.addWidget(self.line_apply, 2)
        box.addLayout(actions)
        self._skus: list[str] = []

    def _layout(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 12, 20, 12)
        outer.setSpacing(8)
        self.title = label(TITLE, "purchase-title", "title")
        outer.addWidget(self.title)
        self.top = QWidget()
        top = QHBoxLayout(self.top)
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.pick)
        top.addWidget(self.file, 1)
        outer.addWidget(self.top)
        outer.addWidget(self.headline)
        outer.addWidget(self.verdict)
        outer.addWidget(self.table, 1)
        outer.addWidget(self.editor, 1)  # in place of the table (both in the layout: a hidden one takes no height)
        self.editor.hide()
        outer.addWidget(self.totals)
        outer.addWidget(self.no_stock)
        outer.addWidget(self.message)
        self.buttons = QWidget()
        buttons = QHBoxLayout(self.buttons)
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.cancel, 1)
        buttons.addWidget(self.confirm, 2)
        outer.addWidget(self.buttons)

    def start(self) -> None:
        """Draw the presenter's views from now on and cover the window (without blocking)."""
        binding.bind(self.presenter, self.show_view)
        open_over_window(self)

    def choose_file(self) -> TouchFilePicker:
        """Open the file picker over the window (non-blocking); the chosen file is previewed."""
        picker = TouchFilePicker(self, "purchase-file-picker", "XML del proveedor", self.start_dir, ("*.xml",))
        picker.fileSelected.connect(self._chosen)
        open_over_window(picker)
        return picker

    def _chosen(self, path: str) -> None:
        if path:
            self.start_dir = str(Path(path).parent)
            self.presenter.load(path)

    def show_view(self, view: PurchaseView) -> None:
        self.file.setText(Path(view.file).name if view.file else "Ningún archivo elegido")
        self.file.setToolTip(view.file)
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
        self._show_editor(view.editor)

    def _show_editor(self, editor: LineEditor | None) -> None:
        """The line editor in place of the table (and of everything but the title) while a line is edited."""
        editing = editor is not None
        opening = editing and self.editor.isHidden()
        for widget in (self.title, self.top, self.buttons, self.totals, self.message, self.headline, self.verdict):
            if editing:  # the line's own title heads the editor: the keyboard needs the height
                widget.hide()
        if not editing:
            for widget in (self.title, self.top, self.buttons, self.verdict, self.message):
                widget.show()
        self.no_stock.setVisible(self.no_stock.isVisible() and not editing)
        self.table.setVisible(not editing)
        self.editor.setVisible(editing)
        if editor is None:
            return
        self.line_title.setText(editor.title)
        self.line_title.setToolTip(editor.title)
        self.line_chosen.setText(f"→ {editor.chosen_label}")
        show_message(self.line_error, editor.error, bool(editor.error))
        self.line_error.setVisible(bool(editor.error))
        if self.search.text() != editor.query:
            self.search.setText(editor.query)
        if self.factor.text() != editor.factor:
            self.factor.setText(editor.factor)
        self.factor_label.setText(editor.factor_label)
        self._skus = [sku for sku, _text in editor.results]
        for button, result in zip(self.results, (*editor.results, *([None] * MAX_RESULTS)), strict=False):
            button.setVisible(result is not None and not editor.error)
            if result is not None:
                button.setText(result[1])
                button.setChecked(result[0] == editor.chosen)
        self.line_clear.setEnabled(editor.chosen is not None)
        if opening:
            self.search.setFocus()

    def _pick(self, n: int) -> None:
        if n < len(self._skus):
            self.presenter.choose_product(self._skus[n])
