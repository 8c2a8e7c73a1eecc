"""What [Turno…] does: cash in, cash out and open the drawer (supervisor PIN), switch cashier, print a copy of the
last Z report, the device page (administrator PIN), close the shift (and print its Z again from the summary when it
did not print). Purchases are the manager's: the back office's Compras page registers them.

Each step is a non-blocking dialog; ``SessionPresenter`` decides, and its message lands on the sale screen.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QWidget

from desktop.presenters.devices import DevicesPresenter
from desktop.presenters.sale import SalePresenter
from desktop.presenters.shift import SessionPresenter, SessionView
from desktop.terminal import Terminal
from desktop.ui.devices_page import DevicesDialog
from desktop.ui.prompts import KeypadDialog
from desktop.ui.shift_dialogs import CloseShiftDialog, ShiftMenu, ZReportDialog
from shared.sale import TenderKind

CASH_IN_REASONS = ("Sencillo para vuelto", "Fondo adicional")
CASH_OUT_REASONS = ("Depósito en caja fuerte", "Pago a proveedor", "Retiro del dueño")
DRAWER_REASONS = ("Dar sencillo", "Corregir un vuelto", "Revisar un billete")


class ShiftActions(QObject):
    """Emits ``closed`` once the Z report was seen, and ``switch_user`` to go back to sign-in."""

    closed = Signal()
    switch_user = Signal()

    def __init__(self, parent: QWidget, terminal: Terminal, session: SessionPresenter, sale: SalePresenter) -> None:
        super().__init__(parent)
        self.window = parent
        self.terminal = terminal
        self.session = session
        self.sale = sale
        self.report: ZReportDialog | None = None

    def _dialog(self, name: str, title: str, reasons: tuple[str, ...] = (), *, masked: bool = False,
                ok: str = "Aceptar", amount: bool = False) -> KeypadDialog:
        dialog = KeypadDialog(name, title, self.window, masked=masked, reasons=reasons, ok=ok, amount=amount)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        return dialog

    def _settle(self, dialog: KeypadDialog, view: SessionView) -> None:
        if view.error:
            dialog.show_error(view.message)
        else:
            dialog.dismiss()
            self.sale.refresh(view.message)

    def menu(self) -> None:
        menu = ShiftMenu(self.window)
        menu.chosen.connect(self._chosen)
        menu.open()

    def _chosen(self, key: str) -> None:
        {"cash-in": self.cash_in, "cash-out": self.cash_out, "open-drawer": self.open_drawer,
         "switch-user": self.change_cashier, "devices": self.devices, "close-shift": self.close_shift,
         "reprint-z": self.session.reprint_last_z}[key]()

    def cash_in(self) -> None:
        dialog = self._dialog("cash-in", "Ingreso de efectivo", CASH_IN_REASONS, amount=True)
        dialog.submitted.connect(
            lambda text: self._settle(dialog, self.session.cash_move("in", text, dialog.reason())))
        dialog.ask("Monto en pesos que entra a la caja, y el motivo.")

    def cash_out(self) -> None:
        dialog = self._dialog("cash-out", "Retiro de efectivo", CASH_OUT_REASONS, ok="Siguiente",
                              amount=True)
        dialog.submitted.connect(lambda text: self._withdraw(dialog, text, dialog.reason()))
        dialog.ask("Monto en pesos que sale de la caja, y el motivo. Luego autoriza un supervisor.")

    def _withdraw(self, amount_dialog: KeypadDialog, amount: str, reason: str) -> None:
        amount_dialog.dismiss()
        dialog = self._dialog("cash-out-pin", "Autorización de supervisor", masked=True, ok="Autorizar")
        dialog.submitted.connect(
            lambda pin: self._settle(dialog, self.session.cash_move("out", amount, reason, pin)))
        dialog.ask(f"Retiro de efectivo: ${amount} · {reason or 'sin motivo'}")

    def open_drawer(self) -> None:
        dialog = self._dialog("drawer", "Abrir cajón sin venta", DRAWER_REASONS, masked=True, ok="Autorizar")
        dialog.submitted.connect(lambda pin: self._settle(dialog, self.session.open_drawer(pin, dialog.reason())))
        dialog.ask("Un supervisor escribe su PIN e indica el motivo.")

    def devices(self) -> None:
        dialog = self._dialog("admin-pin", "Dispositivos", masked=True, ok="Entrar")
        dialog.submitted.connect(lambda pin: self._devices(dialog, pin))
        dialog.ask("Un administrador escribe su PIN para configurar impresora, cajón, balanza y lector.")

    def _devices(self, pin_dialog: KeypadDialog, pin: str) -> None:
        view = self.session.administrator(pin)
        if view.error:
            pin_dialog.show_error(view.message)
            return
        pin_dialog.dismiss()
        page = DevicesDialog(self.window, DevicesPresenter(self.terminal, self.terminal.receipts))
        page.finished.connect(lambda _code: self.sale.refresh())
        page.start()

    def change_cashier(self) -> None:
        """[Cambiar cajero]: with a hand-over count (the store's default) the outgoing cashier counts the drawer
        and their shift closes; with a drawer per cashier their shift stays open for their return; otherwise the
        shift goes on under the next cashier."""
        if self.sale.view.lines and (self.session.handover_count or self.terminal.shifts.per_cashier):
            self.sale.refresh("Termine o anule la venta en curso antes de entregar la caja", True)
            return
        if not self.session.handover_count:  # the shift goes on, or stays open with this cashier's drawer
            self.switch_user.emit()
            return
        dialog = CloseShiftDialog(self.window, "Cambio de cajero: arqueo de entrega",
                                  "Antes de entregar la caja, cuente lo que hay en ella y los comprobantes. Su "
                                  "turno se cierra con este arqueo; el siguiente cajero abre el suyo.",
                                  ok="Entregar caja")
        dialog.submitted.connect(lambda counts: self._close(dialog, counts, handover=True))
        dialog.open()

    def close_shift(self) -> None:
        if self.sale.view.lines:
            self.sale.refresh("Termine o anule la venta en curso antes de cerrar el turno", True)
            return
        dialog = CloseShiftDialog(self.window)
        dialog.submitted.connect(lambda counts: self._close(dialog, counts))
        dialog.open()

    def _close(self, dialog: CloseShiftDialog, counts: dict[TenderKind, str], *, handover: bool = False) -> None:
        view = self.session.hand_over(counts) if handover else self.session.close_shift(counts)
        if view.error and not view.z_lines:
            dialog.show_error(view.message)
            return
        dialog.accept()
        title = "Entrega de caja" if handover else "Reporte Z"
        report = self.report = ZReportDialog(self.window, title, view.z_lines, view.message, view.error,
                                             view.z_reprint)
        report.reprint.connect(self.session.reprint_z)
        report.finished.connect(lambda _code: self._report_closed())
        report.open()

    def _report_closed(self) -> None:
        self.report = None
        self.closed.emit()

    def show_report_note(self, view: SessionView) -> None:
        """A later word on a Z report: on the summary on screen (its printing failed, a copy is on its way or
        printed), or on the sale screen (a copy asked from this menu)."""
        if self.report is not None and view.z_lines:
            self.report.show_note(view.message, view.error, view.z_reprint)
        elif view.for_sale:
            self.sale.refresh(view.message, view.error)
