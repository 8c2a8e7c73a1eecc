"""Sign-in (touch your name, type your PIN) and open-shift (count the float) screens."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from desktop.ui.widgets import BACK, CLEAR, BigButton, Keypad, apply_key, group_thousands, label, named, show_message


def _keypad_column(field: QLineEdit, button: BigButton, message: QWidget) -> QVBoxLayout:
    column = QVBoxLayout()
    column.setSpacing(10)
    column.addWidget(field)
    keypad = Keypad((CLEAR, "0", BACK))
    keypad.pressed.connect(lambda key: apply_key(field, key))
    column.addWidget(keypad, 1)
    column.addWidget(message)
    column.addWidget(button)
    return column


NO_USERS = ("Esta caja aún no tiene usuarios.\n\nEl dueño los crea en HQ, en la página «Usuarios» (nombre, rol,"
            " tienda y PIN), o con «almacen server admin pos-user-add». La caja los recibe sola en su próxima"
            " sincronización: déjela conectada a internet y espere un momento.")
"""What the sign-in says instead of a blank list while no user has reached this till."""


class SignInScreen(QWidget):
    """Big buttons with the users' names and a masked PIN keypad; emits ``sign_in(user_id, pin)``. With no user
    yet it says so and how to fix it (:data:`NO_USERS`) instead."""

    sign_in = Signal(str, str)

    def __init__(self, users: tuple[tuple[str, str], ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sign-in-screen")
        self.group = QButtonGroup(self)
        self.pin = named(QLineEdit(placeholderText="PIN"), "pin")
        self.users: tuple[tuple[str, str], ...] = ()
        self.names = QVBoxLayout()
        self.names.setSpacing(10)
        self.names.addWidget(label("¿Quién atiende la caja?", role="title"))
        self.empty = label(NO_USERS, "sign-in-empty", wrap=True)
        self.names.addWidget(self.empty)
        self.names.addStretch(1)
        self.notice = label("", "sign-in-notice", wrap=True)
        self.names.addWidget(self.notice)
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pin.setMaxLength(8)
        self.pin.returnPressed.connect(self._submit)
        self.message = label("", "signin-message", wrap=True)
        enter = BigButton("Entrar", "sign-in", "primary")
        enter.setMinimumHeight(64)
        enter.clicked.connect(self._submit)
        self.keypad_panel = named(QWidget(), "sign-in-keypad")
        column = _keypad_column(self.pin, enter, self.message)
        column.setContentsMargins(0, 0, 0, 0)
        self.keypad_panel.setLayout(column)
        page = QHBoxLayout(self)
        page.setContentsMargins(40, 24, 40, 24)
        page.setSpacing(48)
        page.addLayout(self.names, 1)
        page.addWidget(self.keypad_panel, 1)
        self.set_users(users)
        self.show_notice("")

    def set_users(self, users: tuple[tuple[str, str], ...]) -> None:
        """Show these ``(user_id, name)`` (HQ added, changed or deactivated some); the keypad only when there is
        someone to sign in."""
        if users == self.users and self.group.buttons():
            return
        for button in self.group.buttons():
            self.group.removeButton(button)
            button.deleteLater()
        for index, (user_id, name) in enumerate(users):
            button = BigButton(name, f"user-{user_id}", "user")
            button.setCheckable(True)
            button.setProperty("user_id", user_id)
            button.clicked.connect(lambda _=False: self.pin.setFocus())
            self.group.addButton(button)
            self.names.insertWidget(1 + index, button)
            button.show()  # added to a screen already shown: Qt would only show it on the next event loop turn
        self.users = users
        self.empty.setVisible(not users)
        self.keypad_panel.setVisible(bool(users))

    def show_notice(self, text: str) -> None:
        """A standing note under the names (the till prints terminal.toml's header: HQ sent no emisor yet)."""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def _submit(self) -> None:
        chosen = self.group.checkedButton()
        if chosen is None:
            show_message(self.message, "Toque su nombre y escriba su PIN", True)
            return
        pin = self.pin.text()
        self.pin.clear()
        self.sign_in.emit(str(chosen.property("user_id")), pin)

    def show_message(self, text: str, error: bool) -> None:
        show_message(self.message, text, error)

    def reset(self) -> None:
        """Ready for the next person: nobody chosen, empty PIN, no message."""
        self.group.setExclusive(False)
        for button in self.group.buttons():
            button.setChecked(False)
        self.group.setExclusive(True)
        self.pin.clear()
        show_message(self.message, "", False)


class OpenShiftScreen(QWidget):
    """The cash float counted into the drawer; emits ``open_shift(text)`` or ``back``."""

    open_shift = Signal(str)
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("open-shift-screen")
        self.amount = group_thousands(named(QLineEdit(placeholderText="$0"), "float"))
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.amount.returnPressed.connect(lambda: self.open_shift.emit(self.amount.text()))
        self.message = label("", "open-shift-message", wrap=True)
        start = BigButton("Abrir turno", "open-shift", "pay")
        start.setMinimumHeight(64)
        start.clicked.connect(lambda: self.open_shift.emit(self.amount.text()))
        back = BigButton("Volver", "open-shift-back")
        back.clicked.connect(self.back.emit)
        info = QVBoxLayout()
        info.addWidget(label("Abrir turno", role="title"))
        self.greeting = label("", "greeting", "hint", wrap=True)
        info.addWidget(self.greeting)
        info.addWidget(label("Cuente el dinero de la caja (fondo inicial) y escríbalo con el teclado.",
                             role="hint", wrap=True))
        info.addStretch(1)
        info.addWidget(back)
        page = QHBoxLayout(self)
        page.setContentsMargins(40, 24, 40, 24)
        page.setSpacing(48)
        page.addLayout(info, 1)
        page.addLayout(_keypad_column(self.amount, start, self.message), 1)

    def prepare(self, user_name: str, float_text: str = "") -> None:
        """Greet ``user_name``; ``float_text`` is the cash handed over by the previous cashier, if any."""
        self.greeting.setText(f"Hola, {user_name}. No hay un turno abierto en esta caja."
                              + (f" La caja se entregó con ${float_text} en efectivo." if float_text else ""))
        self.amount.setText(float_text)
        show_message(self.message, "", False)
        self.amount.setFocus()

    def show_message(self, text: str, error: bool) -> None:
        show_message(self.message, text, error)
