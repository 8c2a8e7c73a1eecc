"""The back office's Compras page: Ingreso manual (a paper document's lines scanned with their cost), XML del
proveedor (``purchase_dialog``, over the whole window), Devolución a proveedor and Respuestas al SII (read-only:
HQ's answers to the suppliers' facturas and their deadlines). It draws ``PurchasesView`` and forwards what the
manager touches to ``PurchasesPresenter``."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from desktop.journal import inventory_queries, supplier_answers
from desktop.presenters.backoffice.purchases import (
    ANSWER_COLUMNS,
    ANSWERS_HINT,
    LINE_COLUMNS,
    RETURN_REASONS,
    SECTIONS,
    TIPOS,
    Document,
    PurchasesPresenter,
    PurchasesView,
)
from desktop.presenters.backoffice.suppliers import day, document_text
from desktop.services import inventory
from desktop.ui import binding, choices
from desktop.ui.backoffice.ops_widgets import OpsPage, RowsTable, caption, field, product_field, set_text
from desktop.ui.backoffice.pages import PageContext
from desktop.ui.backoffice.table import TouchTable
from desktop.ui.purchase_dialog import PurchaseDialog
from desktop.ui.widgets import BigButton, label, show_message

XML_HINT = ("Registre la factura, factura exenta, nota de crédito o nota de débito electrónica de un proveedor con "
            "su archivo XML: se verifican la firma, el timbre, el CAF y los totales, y cada línea entra al stock "
            "con su costo. Traiga el archivo en una memoria USB o descárguelo del portal del proveedor.")
OK_STYLE = "color: #15803d; font-weight: 700;"


class DocumentForm(QWidget):
    """The form of a manual purchase (``purchases-manual-*``) or a return (``purchases-return-*``): head, product
    field, lines with the selected one's quantity and cost, and the action button."""

    def __init__(self, page: PurchasesPage, key: str) -> None:
        super().__init__()
        p = page.presenter
        self.key = key
        n = f"purchases-{key}"
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        head = QGridLayout()
        head.setHorizontalSpacing(8)
        head.setVerticalSpacing(4)
        self.rut = field(f"{n}-rut", "RUT del proveedor", numeric=True, width=200)
        self.rut.setMinimumWidth(200)
        self.rut.textEdited.connect(p.set_rut)
        self.rut_check = label("", f"{n}-rut-check", "caption", wrap=True)
        self.warehouse = choices.combo(f"{n}-warehouse", p.view.warehouses)
        self.warehouse.activated.connect(lambda i: p.set_warehouse(str(self.warehouse.itemData(i))))
        head.addWidget(self.rut, 0, 0)
        head.addWidget(self.rut_check, 0, 1, 1, 2)
        head.addWidget(self.warehouse, 0, 3)
        self.texts: dict[str, QLineEdit] = {}
        if key == "manual":
            self.tipo = choices.combo(f"{n}-tipo", TIPOS)
            self.tipo.activated.connect(lambda i: p.set_tipo(int(self.tipo.itemData(i))))
            head.addWidget(self.tipo, 1, 0)
            numbers = QHBoxLayout()
            for name, hint, width in (("folio", "N° folio", 120), ("fecha", "dd-mm-aaaa", 150)):
                self.texts[name] = field(f"{n}-{name}", hint, numeric=True, width=width)
                self.texts[name].setMinimumWidth(width)
                numbers.addWidget(self.texts[name])
            head.addLayout(numbers, 1, 1)
            self.texts["razon_social"] = field(f"{n}-razon-social", "Razón social del proveedor nuevo")
            head.addWidget(self.texts["razon_social"], 1, 2, 1, 2)
        else:
            self.reason = choices.combo(f"{n}-reason", tuple((r, r) for r in RETURN_REASONS), editable=True)
            self.reason.setEditText("")
            edit = self.reason.lineEdit()
            if edit is not None:
                edit.setPlaceholderText("Motivo de la devolución")
                edit.textEdited.connect(lambda text: p.type("reason", text))
            self.reason.activated.connect(lambda i: p.type("reason", self.reason.itemText(i)))
            self.reason.setMinimumWidth(230)
            head.addWidget(self.reason, 1, 0)
            self.purchase = choices.combo(f"{n}-purchase", (("", "Sin compra"),))
            self.purchase.activated.connect(lambda i: p.set_purchase(str(self.purchase.itemData(i))))
            head.addWidget(self.purchase, 1, 1)
            self.texts["paper"] = field(f"{n}-paper", "Documento del proveedor (opcional)")
            head.addWidget(self.texts["paper"], 1, 2, 1, 2)
        head.setColumnStretch(1, 1)
        head.setColumnStretch(2, 1)
        for name, edit in self.texts.items():
            edit.textEdited.connect(lambda text, k=name: p.type(k, text))
        column.addLayout(head)
        self.product = product_field(n, p)
        column.addWidget(self.product)
        body = QHBoxLayout()
        self.table = RowsTable(f"{n}-lines", LINE_COLUMNS, numeric=(1, 2, 3))
        self.table.touched.connect(p.select)
        body.addWidget(self.table, 1)
        side = QGridLayout()
        side.setVerticalSpacing(4)
        side.addWidget(caption("Cantidad"), 0, 0)
        self.quantity = field(f"{n}-quantity", "Cantidad", numeric=True, width=150)
        self.quantity.textEdited.connect(p.set_quantity)
        side.addWidget(self.quantity, 0, 1)
        side.addWidget(caption("Costo unit." if key == "manual" else "Costo\n(vacío: actual)"), 1, 0)
        self.cost = field(f"{n}-cost", "$", numeric=True, width=150)
        self.cost.textEdited.connect(p.set_cost)
        side.addWidget(self.cost, 1, 1)
        self.totals = label("", f"{n}-totals", "section", wrap=True)
        self.totals.setMaximumWidth(240)
        side.addWidget(self.totals, 2, 0, 1, 2)
        side.setRowStretch(3, 1)
        body.addLayout(side)
        column.addLayout(body, 1)
        bottom = QHBoxLayout()
        self.remove = BigButton("Quitar línea", f"{n}-remove", "danger")
        self.remove.setFixedWidth(180)
        self.remove.clicked.connect(p.remove)
        bottom.addWidget(self.remove)
        bottom.addStretch(1)
        if key == "manual":
            self.texts["total"] = field(f"{n}-total", "Total (opcional)", numeric=True, width=190)
            self.texts["total"].textEdited.connect(lambda text: p.type("total", text))
            bottom.addWidget(self.texts["total"])
        self.go = BigButton("Registrar compra" if key == "manual" else "Registrar devolución", f"{n}-register",
                            "primary")
        self.go.setMinimumWidth(240)
        self.go.clicked.connect(p.register if key == "manual" else p.give_back)
        bottom.addWidget(self.go)
        column.addLayout(bottom)

    def show_doc(self, view: PurchasesView, doc: Document) -> None:
        set_text(self.rut, doc.rut)
        show_message(self.rut_check, doc.rut_check, bool(doc.rut_check) and not doc.rut_ok)
        self.rut_check.setStyleSheet(OK_STYLE if doc.rut_ok else "")
        choices.pick(self.warehouse, doc.warehouse)
        for name, edit in self.texts.items():
            set_text(edit, getattr(doc, name))
            edit.setEnabled(view.can_edit)
        if self.key == "manual":
            choices.pick(self.tipo, doc.tipo)
            self.texts["razon_social"].setVisible(doc.rut_ok and not doc.supplier)
        else:
            if self.reason.currentText() != doc.reason and not self.reason.hasFocus():
                self.reason.setEditText(doc.reason)
            offered = (("", "Sin compra"), *doc.purchases)
            if tuple(self.purchase.itemData(i) for i in range(self.purchase.count())) != tuple(k for k, _ in offered):
                self.purchase.clear()
                for key, text in offered:
                    self.purchase.addItem(text, key)
            choices.pick(self.purchase, doc.purchase)
            self.purchase.setEnabled(view.can_edit and bool(doc.purchases))
        if view.section == self.key:
            self.product.show_found(view.found)
        self.table.set_rows(doc.rows, warn=[n for n, x in enumerate(doc.lines) if x.problem], selected=doc.selected)
        line = doc.chosen
        set_text(self.quantity, line.quantity if line else "")
        set_text(self.cost, line.cost if line else "")
        for widget in (self.quantity, self.cost, self.remove):
            widget.setEnabled(view.can_edit and line is not None)
        self.totals.setText(view.totals.replace(" · ", "\n") if self.key == "manual" else "")
        self.go.setEnabled(view.can_edit and bool(doc.lines))
        for part in (self.rut, self.warehouse, self.product):
            part.setEnabled(view.can_edit)


class PurchasesPage(OpsPage):
    """Compras (``page-purchases``)."""

    def __init__(self, presenter: PurchasesPresenter, stock_changed: Callable[[], None] = lambda: None) -> None:
        super().__init__("purchases", SECTIONS)
        self.presenter = presenter
        self.stock_changed = stock_changed
        self.moved = 0
        self.section.connect(presenter.show)
        self.manual = DocumentForm(self, "manual")
        self.add_section("manual", self.manual)
        xml = QWidget()
        box = QVBoxLayout(xml)
        box.setContentsMargins(0, 8, 0, 0)
        box.addWidget(label(XML_HINT, "purchases-xml-hint", "hint", wrap=True))
        self.xml_button = BigButton("Registrar XML del proveedor…", "purchases-xml-open", "primary")
        self.xml_button.clicked.connect(self.open_xml)
        box.addWidget(self.xml_button)
        box.addStretch(1)
        self.add_section("xml", xml)
        self.back = DocumentForm(self, "return")
        self.add_section("return", self.back)
        answers = QWidget()
        box = QVBoxLayout(answers)
        box.setContentsMargins(0, 8, 0, 0)
        box.addWidget(label(ANSWERS_HINT, "purchases-answers-hint", "hint", wrap=True))
        self.answers = TouchTable("purchases-answers", ANSWER_COLUMNS, stretch=2)
        box.addWidget(self.answers, 1)
        self.add_section("answers", answers)
        self.dialog: PurchaseDialog | None = None
        binding.bind(presenter, self.show_view)

    def scanned(self, code: str) -> None:
        """A code from the serial scanner (the shell forwards it while this page shows)."""
        self.presenter.scan(code)

    def show_view(self, view: PurchasesView) -> None:
        self.show_section(view.section)
        self.manual.show_doc(view, view.manual)
        self.back.show_doc(view, view.back)
        self.xml_button.setEnabled(view.can_edit)
        self.answers.set_rows(view.answers)
        self.show_message(view.message, view.error)
        if view.moved > self.moved:
            self.moved = view.moved
            self.stock_changed()

    def open_xml(self) -> PurchaseDialog | None:
        """The supplier-XML registration over the whole window (non-blocking)."""
        xml = self.presenter.xml()
        if xml is None:
            return None
        dialog = self.dialog = PurchaseDialog(self, xml)
        dialog.finished.connect(
            lambda _code: self.presenter.registered(xml.view.message if xml.view.stage == "done" else ""))
        dialog.start()
        return dialog


def build(context: PageContext) -> PurchasesPage:
    """The Compras page of the back office's ``context``."""
    terminal = context.terminal
    assert terminal.purchases is not None  # every till built by desktop.terminal.build registers purchases
    conn = terminal.journal.conn

    def known(rut: str) -> str:
        found = inventory_queries.supplier(conn, rut)
        return found.razon_social if found is not None else ""

    def bought(rut: str) -> list[tuple[str, str]]:
        return [(d.id, f"{document_text(d)} · {day(d.date)[:5]}")
                for d in inventory_queries.supplier_documents(conn, rut) if d.kind == "compra"]

    def answers() -> list[supplier_answers.AnswerRow]:
        return supplier_answers.rows(conn, terminal.journal.clock().date())

    presenter = PurchasesPresenter(terminal.purchases, terminal.auth, terminal.catalog, context.user,
                                   list(inventory.warehouses(terminal.journal)), known,
                                   today=terminal.journal.clock().date(), bought=bought, answers=answers)
    return PurchasesPage(presenter, context.stock_changed)
