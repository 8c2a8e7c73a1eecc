"""The back office's screen: a header (who, read-only note, stock alerts, keyboard, Ir a la caja, Salir), the
sections down the left and the section's page on the right; it renders ``ShellView``."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QHBoxLayout,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.presenters.backoffice.shell import BackOfficePresenter, ShellView
from desktop.presenters.backoffice.sources import JournalInventory
from desktop.services.auth import User
from desktop.terminal import Terminal
from desktop.ui import binding, style
from desktop.ui.backoffice import pages
from desktop.ui.backoffice.search_field import SearchField
from desktop.ui.touch_keyboard import TouchKeyboard
from desktop.ui.widgets import BigButton, label, named, show_message

SIDE_WIDTH = 230
"""The side bar in px: "Toma de inventario" in full."""
KEYBOARD_HEIGHT = 240
"""The on-screen keyboard's height in px: five rows of keys a finger hits."""
SECTION_HEIGHT = 44
"""The side bar's buttons in px: ten of them 4 px apart, the header and the status bar fit a 600 px screen (44: a
fingertip)."""
SECTION_SPACING = 4
STYLE = f"""
QWidget#back-office QPushButton[role="section"] {{ text-align: left; padding-left: 10px; font-size: 18px; }}
QPushButton#back-office-alerts {{ background: #f1f5f9; color: #334155; border: 2px solid #cbd5e1;
    border-radius: 12px; font-weight: 600; }}
QPushButton#back-office-alerts[alert="true"] {{ background: #fef3c7; color: #78350f; border: 2px solid #f0d68a;
    font-weight: 800; }}
QLabel#back-office-notice {{ font-size: 17px; font-weight: 800; color: #9a3412; }}
QLabel#back-office-who {{ font-size: 17px; color: #334155; }}
QPushButton#back-office-backup {{ background: #f1f5f9; color: #334155; border: 2px solid #cbd5e1;
    border-radius: 12px; font-weight: 600; font-size: 14px; padding: 0; }}
QPushButton#back-office-backup[alert="true"] {{ background: #fef3c7; color: #78350f; border: 2px solid #f0d68a;
    font-weight: 800; }}
QTableWidget {{ background: white; border: 2px solid #cbd5e1; border-radius: 10px; font-size: 17px;
    selection-background-color: #bfdbfe; selection-color: {style.INK}; }}
QTableWidget::item {{ padding: 0 4px; }}
"""


class BackOfficeScreen(QWidget):
    """Emits ``to_till`` (Ir a la caja) and ``signed_out`` (Salir)."""

    to_till = Signal()
    signed_out = Signal()

    def __init__(self, terminal: Terminal, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("back-office")
        self.setStyleSheet(STYLE)
        self.terminal = terminal
        self.source = JournalInventory(terminal.journal.conn, lambda: terminal.journal.lock)
        self.presenter = BackOfficePresenter(self.source.alerts)
        self.built: dict[str, QWidget] = {}
        self.who = label("", "back-office-who")
        self.notice = label("", "back-office-notice", wrap=True)  # on two lines beside the backup button
        self.notice.setToolTip("Un supervisor consulta; los cambios los hace un administrador.")
        self.backup = BigButton("", "back-office-backup")  # the journal's last good copy (services/backups)
        self.backup.clicked.connect(self.explain_backup)
        self.alerts = BigButton("", "back-office-alerts")
        self.alerts.clicked.connect(self.show_alerts)
        self.keyboard_button = BigButton("⌨ Teclado", "back-office-keyboard")
        self.keyboard_button.setCheckable(True)
        till = BigButton("Ir a la caja", "back-office-till", "primary")
        till.clicked.connect(self.to_till.emit)
        leave = BigButton("Salir", "back-office-leave")
        leave.clicked.connect(self.signed_out.emit)
        self.sections = QButtonGroup(self)
        side = QVBoxLayout()
        side.setSpacing(SECTION_SPACING)
        for section in self.presenter.view.sections:
            button = BigButton(section.title, f"section-{section.key}", "section")
            button.setCheckable(True)
            button.setMinimumHeight(SECTION_HEIGHT)
            number = (len(self.sections.buttons()) + 1) % 10
            button.setShortcut(QKeySequence(f"Ctrl+{number}"))  # with a keyboard: Ctrl+1 … Ctrl+9, Ctrl+0
            button.setToolTip(f"Ctrl+{number}")
            button.clicked.connect(lambda _=False, key=section.key: self.presenter.show(key))
            self.sections.addButton(button)
            side.addWidget(button)
        side.addStretch(1)
        self.stack = named(QStackedWidget(), "back-office-pages")
        self.message = label("", "back-office-message", wrap=True)
        self.keyboard = TouchKeyboard(self)  # over the page, not in the layout: 600 px leave no room for it
        self.keyboard.hide()
        self.keyboard_button.toggled.connect(self._keyboard)
        self._layout(side, till, leave)
        binding.bind(self.presenter, self._render)

    def _layout(self, side: QVBoxLayout, till: BigButton, leave: BigButton) -> None:
        header = QHBoxLayout()
        header.setSpacing(5)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(label("Administración", role="title"))
        titles.addWidget(self.who)
        header.addLayout(titles)
        header.addWidget(self.notice, 1)
        for button in (self.backup, self.alerts, self.keyboard_button, till, leave):
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            header.addWidget(button)
        side_box = QWidget()
        side_box.setFixedWidth(SIDE_WIDTH)
        side.setContentsMargins(0, 0, 0, 0)
        side_box.setLayout(side)
        body = QHBoxLayout()
        body.setSpacing(12)
        body.addWidget(side_box)
        right = QVBoxLayout()
        right.setSpacing(4)
        right.addWidget(self.stack, 1)
        right.addWidget(self.message)
        body.addLayout(right, 1)
        page = QVBoxLayout(self)
        page.setContentsMargins(12, 8, 12, 6)
        page.setSpacing(8)
        page.addLayout(header)
        page.addLayout(body, 1)

    def _keyboard(self, on: bool) -> None:
        """The on-screen keyboard over the page, away from the field being typed in."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            (app.focusChanged.connect if on else app.focusChanged.disconnect)(self._place)
        self.keyboard.setVisible(on)
        self._place()

    def _place(self, *_focus: object) -> None:
        """Keep the keyboard at the bottom, or at the top when the field with the focus is in the lower half."""
        if not self.keyboard.isVisible():
            return
        focus = QApplication.focusWidget()
        low = focus is not None and self.isAncestorOf(focus) and (
            focus.mapTo(self, focus.rect().center()).y() > self.height() // 2)
        top = self.stack.mapTo(self, self.stack.rect().topLeft()).y()
        y = top if low else self.height() - KEYBOARD_HEIGHT
        self.keyboard.setGeometry(0, y, self.width(), KEYBOARD_HEIGHT)
        self.keyboard.raise_()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()

    # --- intents ------------------------------------------------------------------------------------------
    def enter(self, user: User, section: str = "") -> bool:
        """Open for ``user`` (fresh pages: who and what they may do changed); False for a cashier."""
        self._drop_pages()
        self.show_backup()
        return not self.presenter.enter(user, section).error

    def show_backup(self) -> None:
        """The last good backup of the journal, or the warning (none, too old, the folder failed) in amber."""
        backups = self.terminal.backups
        if backups is None:
            self.backup.hide()
            return
        status = backups.status()
        self.backup.setText(f"⚠ {status.short}" if status.warning else f"✓ {status.short}")
        style.set_flag(self.backup, "alert", bool(status.warning))
        self.backup.show()

    def explain_backup(self) -> None:
        """The whole backup status under the page: the last good copy, and what to do when it warns."""
        if self.terminal.backups is None:
            return
        status = self.terminal.backups.status()
        where = f" Carpeta: {status.folder}." if status.folder and not status.warning else ""
        archived = self.terminal.backups.archived()  # months moved out of the journal (docs/year-journal.md)
        kept = f" {archived.text}." if archived is not None and archived.files else ""
        show_message(self.message, f"{status.text}.{where}{kept} {status.warning}".strip(), bool(status.warning))
        self.message.setVisible(True)

    def leave(self) -> None:
        self.keyboard_button.setChecked(False)  # its focus tracking stops with it
        self.presenter.leave()
        self._drop_pages()

    def alerts_count(self) -> int:
        return self.source.alerts()

    def stock_changed(self) -> None:
        self.presenter.refresh_alerts()

    def show_alerts(self) -> None:
        """The Stock section with only the products that need attention."""
        self.presenter.show("stock")
        page = self.built.get("stock")
        show = getattr(page, "show_alerts", None)
        if callable(show):
            show()

    def show_kardex(self, sku: str) -> None:
        """The Kardex section on product ``sku``."""
        self.presenter.show("kardex")
        choose = getattr(self.built.get("kardex"), "show_product", None)
        if callable(choose):
            choose(sku)

    def scanned(self, code: str) -> None:
        """A code from the serial scanner: to the page on screen, when it takes codes."""
        take = getattr(self.stack.currentWidget(), "scanned", None)
        if callable(take):
            take(code)

    def _drop_pages(self) -> None:
        for page in self.built.values():
            self.stack.removeWidget(page)
            page.deleteLater()
        self.built.clear()

    # --- rendering ----------------------------------------------------------------------------------------
    def _render(self, view: ShellView) -> None:
        self.who.setText(f"{view.user} · {view.role}" if view.user else "")
        self.notice.setText(view.notice)
        self.alerts.setText(f"⚠ {view.alerts_text}" if view.alerts else "Stock sin alertas")
        style.set_flag(self.alerts, "alert", bool(view.alerts))
        show_message(self.message, view.message, view.error)
        self.message.setVisible(bool(view.message))
        for button in self.sections.buttons():
            button.setChecked(button.objectName() == f"section-{view.section}")
        if self.presenter.user is None:
            return
        page = self.built.get(view.section)
        if page is None:
            title = next(s.title for s in view.sections if s.key == view.section)
            context = pages.PageContext(self.terminal, self.presenter.user, view.read_only, self.source,
                                        self.stock_changed, self.show_kardex)
            page = self.built[view.section] = pages.build(view.section, title, context)
            self.stack.addWidget(page)
        elif self.stack.currentWidget() is not page:
            refresh = getattr(page, "refresh", None)
            if callable(refresh):
                refresh()
        self.stack.setCurrentWidget(page)
        search = page.findChild(SearchField)
        if search is not None:  # a keyboard-wedge scanner types where the focus is
            search.setFocus()
