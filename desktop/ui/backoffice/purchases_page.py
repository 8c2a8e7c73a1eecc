"""The back office's Compras page: the supplier's XML registered (``purchase_dialog``, over the whole window).

It draws ``PurchasesView`` and forwards what the manager touches to ``PurchasesPresenter``."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.presenters.backoffice.purchases import SECTIONS, PurchasesPresenter, PurchasesView
from desktop.services.auth import User
from desktop.terminal import Terminal
from desktop.ui import binding
from desktop.ui.backoffice.ops_widgets import OpsPage
from desktop.ui.purchase_dialog import PurchaseDialog
from desktop.ui.widgets import BigButton, label

XML_HINT = ("Registre la factura, factura exenta, nota de crédito o nota de débito electrónica de un proveedor con "
            "su archivo XML: se verifican la firma, el timbre, el CAF y los totales, y cada línea entra al stock "
            "con su costo. Traiga el archivo en una memoria USB o descárguelo del portal del proveedor.")


class PurchasesPage(OpsPage):
    """Compras (``purchases-page``)."""

    def __init__(self, presenter: PurchasesPresenter) -> None:
        super().__init__("purchases", "Compras", SECTIONS)
        self.presenter = presenter
        self.section.connect(presenter.show)
        xml = QWidget()
        box = QVBoxLayout(xml)
        box.setContentsMargins(0, 8, 0, 0)
        box.addWidget(label(XML_HINT, "purchases-xml-hint", "hint", wrap=True))
        self.xml_button = BigButton("Registrar XML del proveedor…", "purchases-xml-open", "primary")
        self.xml_button.clicked.connect(self.open_xml)
        box.addWidget(self.xml_button)
        box.addStretch(1)
        self.add_section("xml", xml)
        self.keys.hide()  # the XML registration brings its own keyboard
        self.dialog: PurchaseDialog | None = None
        binding.bind(presenter, self.show_view)

    def show_view(self, view: PurchasesView) -> None:
        self.show_section(view.section)
        self.xml_button.setEnabled(view.can_edit)
        self.show_message(view.message, view.error)

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


def page(terminal: Terminal, user: User) -> PurchasesPage:
    """The Compras page of ``terminal`` for ``user``, signed in to the back office."""
    assert terminal.purchases is not None  # every till built by desktop.terminal.build registers purchases
    return PurchasesPage(PurchasesPresenter(terminal.purchases, terminal.auth, terminal.catalog, user))
