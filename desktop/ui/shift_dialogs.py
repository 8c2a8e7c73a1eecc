"""Dialogs of [Turno…]: the menu of cash actions, the blind count to close, and the Z report summary."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from desktop.ui.widgets import BACK, BigButton, Keypad, apply_key, group_thousands, label, named, show_message
from shared.sale import TenderKind

MENU = (("cash-in", "Ingreso de efectivo"), ("cash-out", "Retiro de efectivo  (supervisor)"),
        ("open-drawer", "Abrir cajón  (supervisor)"), ("switch-user", "Cambiar cajero"),
        ("reprint-z", "Reimprimir último reporte Z"), ("devices", "Dispositivos  (administrador)"),
        ("close-shift", "Cerrar turno"))
COUNT_FIELDS = ((TenderKind.CASH, "count-cash"), (TenderKind.DEBIT, "count-debit"),
                (TenderKind.CREDIT, "count-credit"), (TenderKind.TRANSFER, "count-transfer"))


def _dialog(dialog: QDialog, name: str, title: str) -> QVBoxLayout:
    dialog.setObjectName(name)
    dialog.setWindowTitle(title)
    dialog.setModal(True)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    outer = QVBoxLayout(dialog)
    outer.setContentsMargins(24, 16, 24, 16)
    outer.setSpacing(10)
    outer.addWidget(label(title, role="title"))
    return outer


class ShiftMenu(QDialog):
    """Big buttons for the shift's cash actions, two a row (they fit a 1024×600 screen); emits ``chosen`` with the
    action's key (``MENU``)."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        outer = _dialog(self, "shift-menu", "Turno")
        grid = QGridLayout()
        grid.setSpacing(10)
        for i, (key, text) in enumerate(MENU):
            button = BigButton(text, key, "danger" if key == "close-shift" else "")
            button.setMinimumWidth(450)  # the longest text at the stylesheet's 19 px bold
            button.clicked.connect(lambda _=False, k=key: self._choose(k))
            grid.addWidget(button, i // 2, i % 2)
        back = BigButton("Volver", "menu-cancel")
        back.clicked.connect(self.reject)
        grid.addWidget(back, len(MENU) // 2, len(MENU) % 2)
        outer.addLayout(grid)

    def _choose(self, key: str) -> None:
        self.accept()
        self.chosen.emit(key)


class CloseShiftDialog(QDialog):
    """Blind count: what is in the drawer per means of payment, without showing what is expected."""

    submitted = Signal(object)  # dict[TenderKind, str] (a Qt "dict" signal would turn the keys into text)

    def __init__(self, parent: QWidget, title: str = "Cerrar turno: arqueo ciego",
                 hint: str = "Cuente lo que hay en la caja y los comprobantes de cada medio de pago. "
                             "Toque un casillero y escriba el monto.", ok: str = "Cerrar turno") -> None:
        super().__init__(parent)
        outer = _dialog(self, "close-dialog", title)
        self.setMinimumSize(820, 540)
        outer.addWidget(label(hint, "close-hint", "hint", wrap=True))
        body = QHBoxLayout()
        body.setSpacing(24)
        fields = QGridLayout()
        self.fields: dict[TenderKind, QLineEdit] = {}
        for row, (kind, name) in enumerate(COUNT_FIELDS):
            field = group_thousands(named(QLineEdit(placeholderText="$0"), name))
            field.setAlignment(Qt.AlignmentFlag.AlignRight)
            field.setMinimumWidth(220)
            self.fields[kind] = field
            fields.addWidget(label(kind.label), row, 0)
            fields.addWidget(field, row, 1)
        fields.setRowStretch(len(COUNT_FIELDS), 1)
        body.addLayout(fields, 1)
        keypad = Keypad(("000", "0", BACK))
        keypad.pressed.connect(self._key)
        body.addWidget(keypad, 1)
        outer.addLayout(body, 1)
        self.error = label("", "close-error", wrap=True)
        outer.addWidget(self.error)
        buttons = QHBoxLayout()
        cancel = BigButton("Cancelar", "close-cancel")
        cancel.clicked.connect(self.reject)
        confirm = BigButton(ok, "close-ok", "primary")
        confirm.clicked.connect(lambda: self.submitted.emit({k: f.text() for k, f in self.fields.items()}))
        buttons.addWidget(cancel)
        buttons.addWidget(confirm)
        outer.addLayout(buttons)

    def _key(self, key: str) -> None:
        focused = self.focusWidget()  # the field touched last (keypad keys never take the focus)
        field = focused if isinstance(focused, QLineEdit) else self.fields[TenderKind.CASH]
        apply_key(field, key)

    def show_error(self, message: str) -> None:
        show_message(self.error, message, True)


class ZReportDialog(QDialog):
    """The closed shift's summary (``SessionView.z_lines``) on screen; [Aceptar] returns to sign-in.
    [Reimprimir reporte Z] (``reprint`` signal) shows while the last print of the Z failed (``SessionView.z_reprint``
    ``"failed"``; ``"printing"``: shown, disabled)."""

    reprint = Signal()

    def __init__(self, parent: QWidget, title: str, lines: tuple[tuple[str, str], ...], note: str,
                 error: bool = False, reprint: str = "") -> None:
        super().__init__(parent)
        outer = _dialog(self, "z-dialog", f"{title} · {date.today():%d-%m-%Y}")
        self.setMinimumWidth(640)
        grid = QGridLayout()
        grid.setHorizontalSpacing(32)
        for row, (name, value) in enumerate(lines):
            grid.addWidget(label(name, f"z-name-{row}"), row, 0)
            value_label = label(value, f"z-value-{row}")
            value_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(value_label, row, 1)
        outer.addLayout(grid)
        self.message = label("", "z-message", wrap=True)
        outer.addWidget(self.message)
        outer.addStretch(1)
        buttons = QHBoxLayout()
        self.reprint_button = BigButton("Reimprimir reporte Z", "z-reprint")
        self.reprint_button.setMinimumHeight(72)
        self.reprint_button.clicked.connect(self.reprint)
        ok = BigButton("Aceptar", "z-ok", "primary")
        ok.setMinimumHeight(72)
        ok.clicked.connect(self.accept)
        buttons.addWidget(self.reprint_button)
        buttons.addWidget(ok)
        outer.addLayout(buttons)
        self.show_note(note, error, reprint)

    def show_note(self, note: str, error: bool, reprint: str) -> None:
        """The word on the Z's printing and the [Reimprimir reporte Z] button's state (see the class)."""
        show_message(self.message, note, error)
        self.reprint_button.setVisible(bool(reprint))
        self.reprint_button.setEnabled(reprint == "failed")
        self.adjustSize()  # a longer note wraps to more lines: grow rather than squeeze the rows
