"""The till's window: sign-in → back office (administrador, supervisor) or open shift → sale screen in one stack,
and a status bar that is always there."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QProgressBar, QStackedWidget, QStatusBar, QWidget

from desktop import terminal as terminal_mod
from desktop.presenters.backoffice import shell as back_office
from desktop.presenters.sale import SaleView
from desktop.presenters.shift import SessionView
from desktop.services import receipts
from desktop.services.returns import looks_like_timbre
from desktop.terminal import Terminal
from desktop.ui import binding, style
from desktop.ui.backoffice.shell import BackOfficeScreen
from desktop.ui.bridges import PrintBridge, ScannerBridge
from desktop.ui.sale_screen import SaleScreen
from desktop.ui.session_screens import OpenShiftScreen, SignInScreen
from desktop.ui.shift_flow import ShiftActions
from desktop.ui.sync_status import SyncBridge
from desktop.ui.widgets import label, named

MIN_WIDTH, MIN_HEIGHT = 1024, 600


class MainWindow(QMainWindow):
    """Menu-less: every action is a big button on the current screen."""

    def __init__(self, terminal: Terminal, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.terminal = terminal
        self.setObjectName("main-window")
        self.setWindowTitle(f"Almacén · {terminal.settings.store.name} · {terminal.settings.terminal_id}")
        self.setMinimumSize(MIN_WIDTH, MIN_HEIGHT)
        self.setStyleSheet(style.STYLESHEET)
        self.session = terminal_mod.session_presenter(terminal)
        self.sale = terminal_mod.sale_presenter(terminal)
        self.sign_in_screen = SignInScreen(self.session.view.users)
        self.open_shift_screen = OpenShiftScreen()
        self.sale_screen = SaleScreen(self.sale)
        self.back_office = BackOfficeScreen(terminal)
        self.screens = named(QStackedWidget(), "screens")
        for screen in (self.sign_in_screen, self.open_shift_screen, self.sale_screen, self.back_office):
            self.screens.addWidget(screen)
        self.setCentralWidget(self.screens)
        self.shift_actions = ShiftActions(self, terminal, self.session, self.sale)
        self._status_bar()

        self.sign_in_screen.sign_in.connect(self._sign_in)
        self.open_shift_screen.open_shift.connect(self._open_shift)
        self.open_shift_screen.back.connect(self.show_sign_in)
        self.sale_screen.shift_menu_requested.connect(self.shift_actions.menu)
        self.shift_actions.closed.connect(self.show_sign_in)
        self.shift_actions.switch_user.connect(self.show_sign_in)
        self.back_office.to_till.connect(self._to_till)
        self.back_office.signed_out.connect(self.show_sign_in)
        self.sale_screen.back_office_requested.connect(self.show_back_office)
        self.sale_screen.sold.connect(self._show_alerts)
        binding.bind(self.session, self._render_session)
        binding.bind(self.sale, self.sale_screen.show_view, self._render_sale_status)
        self.print_bridge = PrintBridge(terminal.receipts)
        self.scanner_bridge = ScannerBridge(terminal, self._scanned, self._scanner_problem)
        self.show_sign_in()

    def _status_bar(self) -> None:
        bar = named(QStatusBar(), "status")
        bar.setSizeGripEnabled(False)
        self.cashier, self.shift = label("", "status-cashier"), label("", "status-shift")
        self.connection = label("", "status-connection")
        self.printer, self.pending = label("", "status-printer"), label("", "status-pending")
        self.folios = label("", "status-folios")
        self.clock = label("", "status-clock")
        self.sync_progress = named(QProgressBar(), "status-sync-progress")
        for widget in (self.cashier, self.shift, self.connection, self.sync_progress, self.folios):
            bar.addWidget(widget)
        for widget in (self.pending, self.printer, self.clock):
            bar.addPermanentWidget(widget)
        self.setStatusBar(bar)
        self.sync_bridge = SyncBridge(self.terminal, self.connection, self.sync_progress,
                                      on_pulled=self._pulled)
        self._tick()
        timer = QTimer(self, interval=15_000)
        timer.timeout.connect(self._tick)
        timer.start()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.sync_bridge.stop()
        self.print_bridge.stop()
        self.scanner_bridge.stop()
        self.sale_screen.weight.panel.detach()
        super().closeEvent(event)

    def _selling(self) -> bool:
        """The sale screen is showing and no dialog is asking for something."""
        return self.screens.currentWidget() is self.sale_screen and self._modal() is None

    def _modal(self) -> QWidget | None:
        """The modal dialog open over this window, if any (one of another, closing window does not count)."""
        modal = QApplication.activeModalWidget()
        owner: QWidget | None = modal
        while owner is not None and owner is not self:
            owner = owner.parentWidget()
        return modal if owner is self else None

    def _scanned(self, code: str) -> None:
        """A code from the serial scanner: sold like a keyboard scan when the sale screen is free for it."""
        returning = self.sale_screen.returning
        if self._selling() and looks_like_timbre(code):
            self.sale_screen.open_return(code)
        elif self._selling():
            self.sale.scan(code)
        elif returning is not None and self._modal() is returning:
            returning.scanned(code)  # a receipt's timbre (or a number) for the return screen
        elif self.screens.currentWidget() is self.sale_screen:
            self.sale.refresh(f"Código {code} leído con un diálogo abierto: ciérrelo y escanee de nuevo", True)
        elif self.screens.currentWidget() is self.back_office:
            modal = self._modal()  # a back-office dialog that takes codes has scanned(code)
            take = self.back_office.scanned if modal is None else getattr(modal, "scanned", None)
            if callable(take):
                take(code)

    def _scanner_problem(self, message: str) -> None:
        if self.screens.currentWidget() is self.sale_screen:
            self.sale.refresh(message, True)

    def _tick(self) -> None:
        self.clock.setText(f"{datetime.now():%d-%m-%Y %H:%M}")

    # --- navigation ---------------------------------------------------------------------------------------
    def _pulled(self) -> None:
        """HQ's changes arrived: prices and products on the sale screen, users and the header on the sign-in."""
        self.sale.show_tab(self.sale.view.tab)
        self.session.refresh_users()
        self._show_alerts()
        self.sign_in_screen.show_notice("" if self.terminal.receipts.current_header()[2] else receipts.NO_EMISOR)

    def show_sign_in(self) -> None:
        if self.screens.currentWidget() is self.back_office:
            self.back_office.leave()
        self.sign_in_screen.show_notice("" if self.terminal.receipts.current_header()[2] else receipts.NO_EMISOR)
        self.sign_in_screen.reset()
        self.screens.setCurrentWidget(self.sign_in_screen)
        self._render_session(self.session.view)

    def _sign_in(self, user_id: str, pin: str) -> None:
        view = self.session.sign_in(user_id, pin)
        if view.error:
            return
        user = self.session.user
        if user is not None and back_office.access(user.role):
            self.show_back_office()
        else:
            self._to_till()

    def show_back_office(self) -> None:
        """The back office for who signed in (an administrador in full, a supervisor read-only), no shift needed."""
        user = self.session.user
        if user is None or not self.back_office.enter(user):
            return
        self.screens.setCurrentWidget(self.back_office)
        self._status(user.name, self.session.view.shift, who="Usuario")

    def _to_till(self) -> None:
        """On to selling: the open shift, or the screen that opens one."""
        view = self.session.view
        if self.screens.currentWidget() is self.back_office:
            self.back_office.leave()
        if self.session.current_shift() is None:
            self.open_shift_screen.prepare(view.user, self.session.next_float)
            self.screens.setCurrentWidget(self.open_shift_screen)
            self._render_session(view)
        else:
            self._start_selling()

    def _open_shift(self, text: str) -> None:
        if not self.session.open_shift(text).error:
            self._start_selling()

    def _start_selling(self) -> None:
        shift, user = self.session.current_shift(), self.session.user
        if shift is None or user is None:
            return
        self.screens.setCurrentWidget(self.sale_screen)
        self.sale.start(user, shift.shift_id, shift.number)
        self._show_alerts()
        self.sale_screen.focus_search()

    def _show_alerts(self) -> None:
        """The back-office button on the sale screen: who may open it sees it, an administrador with the alerts."""
        user = self.session.user
        level = back_office.access(user.role) if user is not None else ""
        count = self.back_office.alerts_count() if level == "full" else 0
        self.sale_screen.set_back_office(bool(level), count)

    # --- rendering ----------------------------------------------------------------------------------------
    def _render_session(self, view: SessionView) -> None:
        self.shift_actions.show_report_note(view)
        current = self.screens.currentWidget()
        self.sign_in_screen.set_users(view.users)
        if current is self.sign_in_screen:
            self.sign_in_screen.show_message(view.message if view.error else "", view.error)
            self._status("", view.shift)
        elif current is self.open_shift_screen:
            self.open_shift_screen.show_message(view.message if view.error else "", view.error)
            self._status(view.user, view.shift)

    def _render_sale_status(self, view: SaleView) -> None:
        if self.screens.currentWidget() is self.sale_screen:
            self._status(view.cashier, view.shift)
        self.connection.setText(f"● {view.connection}")
        style.set_flag(self.connection, "online", view.online)
        self.printer.setText(f"Impresora: {view.printer or '—'}")
        style.set_flag(self.printer, "error", view.printer_problem)
        n = view.pending_prints
        self.pending.setText(f"{n} boleta{'s' if n != 1 else ''} por reimprimir" if n else "")
        self.pending.setVisible(n > 0)
        self.folios.setText(view.folios)
        style.set_flag(self.folios, "error", bool(view.folios))
        self.folios.setVisible(bool(view.folios))

    def _status(self, cashier: str, shift: str, *, who: str = "Cajero") -> None:
        """The status bar's person (``who``: "Cajero" at the till, "Usuario" in Administración) and shift."""
        self.cashier.setText(f"{who}: {cashier or '—'}")
        self.shift.setText(shift or "Sin turno")
