"""An on-screen keyboard for tills without a physical one (``touch-keyboard``): es-CL letters and a numeric page
for RUTs; keys never take the focus, so a physical keyboard keeps working beside it.

Pages, dead-key accents and shift: docs/architecture.md#the-touch-keyboard.
"""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHideEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QSizePolicy,
    QStackedWidget,
    QWidget,
)

from desktop.ui.style import BLUE, INK
from desktop.ui.widgets import BigButton, label, named

TEXT, NUMERIC = "text", "numeric"
KEY_MIN = 48
"""Smallest side of a key in px (a fingertip needs ≥ 44 px)."""

BACK, ENTER, SHIFT, SPACE = "back", "enter", "shift", "space"
LEFT, RIGHT = "left", "right"
ACUTE, DIAERESIS = "\u0301", "\u0308"
"""Dead keys, by the combining mark they put on the next vowel."""
DEAD_LABELS = {ACUTE: "´ á", DIAERESIS: "¨ ü"}
VOWELS = "aeiou"
SMALL_GLYPHS = ".,-'°"
"""Keys whose sign is tiny at the letters' size: drawn larger so they are found at a glance."""

# (key, columns) per row of a 12-column grid; a one-character key types itself.
TEXT_ROWS: tuple[tuple[tuple[str, int], ...], ...] = (
    (*((c, 1) for c in "1234567890"), (BACK, 2)),
    (*((c, 1) for c in "qwertyuiop"), (ACUTE, 1), (DIAERESIS, 1)),
    (*((c, 1) for c in "asdfghjklñ"), (ENTER, 2)),
    ((SHIFT, 2), *((c, 1) for c in "zxcvbnm,.-")),
    ((LEFT, 1), ("&", 1), ("'", 1), (SPACE, 5), ("°", 1), ("/", 1), ("#", 1), (RIGHT, 1)),
)
NUMERIC_ROWS: tuple[tuple[tuple[str, int], ...], ...] = (
    (("7", 1), ("8", 1), ("9", 1), (BACK, 1)),
    (("4", 1), ("5", 1), ("6", 1), (".", 1)),
    (("1", 1), ("2", 1), ("3", 1), ("-", 1)),
    (("K", 1), ("0", 1), (ENTER, 2)),
    ((LEFT, 2), (RIGHT, 2)),
)
NUMERIC_HINTS = (Qt.InputMethodHint.ImhPreferNumbers | Qt.InputMethodHint.ImhDigitsOnly
                 | Qt.InputMethodHint.ImhFormattedNumbersOnly | Qt.InputMethodHint.ImhDialableCharactersOnly)

NAMES = {BACK: "back", ENTER: "enter", SHIFT: "shift", SPACE: "space", LEFT: "left", RIGHT: "right",
         ACUTE: "acute", DIAERESIS: "diaeresis",
         "ñ": "ntilde", ",": "comma", ".": "period", "-": "minus", "&": "amp", "'": "apos", "°": "degree",
         "/": "slash", "#": "hash"}

STYLE = f"""
QFrame#touch-keyboard {{ background: #d5dde6; border-radius: 12px; }}
QFrame#touch-keyboard QStackedWidget > QWidget {{ background: transparent; }}
QFrame#touch-keyboard QPushButton {{ padding: 0; border-radius: 9px; }}
QPushButton[role="tk-char"] {{ font-size: 25px; font-weight: 700; }}
QPushButton[role="tk-char"][small="true"] {{ font-size: 34px; }}
QPushButton[role="tk-char"][pending="true"] {{ color: {BLUE}; border-color: {BLUE}; }}
QPushButton[role="tk-mod"] {{ font-size: 19px; font-weight: 700; background: #f1f5f9; }}
QPushButton[role="tk-dead"] {{ font-size: 24px; font-weight: 700; background: #f1f5f9; }}
QPushButton[role="tk-arrow"] {{ font-size: 30px; background: #f1f5f9; }}
QPushButton[role="tk-mod"]:checked, QPushButton[role="tk-dead"]:checked {{
    background: {BLUE}; color: white; border-color: #1e3a8a; }}
QPushButton[role="tk-char"]:pressed, QPushButton[role="tk-mod"]:pressed, QPushButton[role="tk-dead"]:pressed,
QPushButton[role="tk-arrow"]:pressed {{
    background: #bfdbfe; }}
QPushButton[role="tk-enter"] {{ font-size: 19px; font-weight: 800; background: {BLUE}; color: white;
                                border-color: #1e3a8a; }}
QPushButton[role="tk-enter"]:pressed {{ background: #1e3a8a; }}
QPushButton[role="tk-space"] {{ font-size: 16px; font-weight: 600; color: #475569; }}
QLabel[role="tk-hint"] {{ font-size: 17px; color: {INK}; }}
"""


def key_name(key: str) -> str:
    """The objectName of a key: ``tk-a``, ``tk-7``, ``tk-k``, ``tk-ntilde``, ``tk-acute``, ``tk-back``…"""
    return f"tk-{NAMES.get(key, key.lower())}"


def _qt_key(char: str) -> int:
    """Qt's key code of a typed character (Latin-1 keys are numbered as their capital letter: ``Key_Ntilde``)."""
    upper = char.upper()
    return ord(upper) if len(upper) == 1 and ord(upper) <= 0xFF else int(Qt.Key.Key_unknown.value)


class TouchKeyboard(QFrame):
    """The keyboard, for the whole window it is placed in; ``layout_name`` is :data:`TEXT` or :data:`NUMERIC`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("touch-keyboard")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setStyleSheet(STYLE)
        self.shift = 0
        """0 off, 1 the next letter in capitals, 2 capitals locked."""
        self.dead = ""
        """The combining mark a dead key left for the next vowel, or ``""``."""
        self.layout_name = TEXT
        self.chars: dict[str, BigButton] = {}
        self.mods: dict[str, BigButton] = {}
        self.enters: list[BigButton] = []
        self.pages = QStackedWidget()
        self.pages.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.pages.addWidget(self._page(TEXT_ROWS, "tk-text", letters=True))
        self.pages.addWidget(self._numeric_page())
        box = QHBoxLayout(self)
        box.setContentsMargins(6, 6, 6, 6)
        box.addWidget(self.pages)
        self.tracking = False
        """Following the focus (only while shown: a connection to the application would outlive the keyboard)."""
        self._draw()

    # -- building ------------------------------------------------------------------------------------------------

    def _key(self, key: str) -> BigButton:
        if key == ENTER:
            button = BigButton("Siguiente ↵", key_name(key), "tk-enter")
            self.enters.append(button)
        elif key in (SHIFT, ACUTE, DIAERESIS):
            role = "tk-dead" if key in DEAD_LABELS else "tk-mod"
            button = BigButton(DEAD_LABELS.get(key, "⇧ Mayús"), key_name(key), role)
            button.setCheckable(True)
            button.setToolTip({ACUTE: "Acento: luego la vocal (á é í ó ú)", DIAERESIS: "Diéresis: luego la u (ü)",
                               SHIFT: "Mayúscula; otra vez: todo en mayúsculas"}[key])
            self.mods[key] = button
        elif key == BACK:
            button = BigButton("⌫", key_name(key), "tk-mod")
            button.setAutoRepeat(True)  # held down, it keeps deleting
            button.setAccessibleName("Borrar")
        elif key in (LEFT, RIGHT):
            button = BigButton("◀" if key == LEFT else "▶", key_name(key), "tk-arrow")
            button.setAutoRepeat(True)  # held down, the cursor keeps moving
            button.setAccessibleName("Cursor a la izquierda" if key == LEFT else "Cursor a la derecha")
        elif key == SPACE:
            button = BigButton("espacio", key_name(key), "tk-space")
        else:
            button = BigButton(key.replace("&", "&&"), key_name(key), "tk-char")  # a lone & would mark a shortcut
            button.setProperty("small", key in SMALL_GLYPHS)
        button.setMinimumSize(KEY_MIN, KEY_MIN)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        button.clicked.connect(lambda _=False, k=key: self.press(k))
        return button

    def _page(self, rows: tuple[tuple[tuple[str, int], ...], ...], name: str, *, letters: bool = False) -> QWidget:
        page = named(QWidget(), name)
        grid = QGridLayout(page)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        for row, keys in enumerate(rows):
            column = 0
            for key, span in keys:
                button = self._key(key)
                if letters and len(key) == 1 and key not in DEAD_LABELS:
                    self.chars[key] = button
                grid.addWidget(button, row, column, 1, span)
                column += span
        for column in range(max(sum(span for _k, span in keys) for keys in rows)):
            grid.setColumnStretch(column, 1)
        for row in range(len(rows)):
            grid.setRowStretch(row, 1)
        return page

    def _numeric_page(self) -> QWidget:
        page = named(QWidget(), "tk-numeric")
        box = QHBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(24)
        hint = label("RUT: los números y el dígito verificador (0 a 9 o K). Los puntos y el guion son opcionales.",
                     "tk-numeric-hint", "tk-hint", wrap=True)
        hint.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        box.addWidget(hint, 3)
        box.addWidget(self._page(NUMERIC_ROWS, "tk-numeric-keys"), 4)
        box.addStretch(2)
        return page

    # -- state ---------------------------------------------------------------------------------------------------

    def target(self) -> QWidget | None:
        """The widget that receives the keys: the one with the focus in this keyboard's window."""
        focused = self.window().focusWidget()
        return focused if focused is not None and focused is not self and focused.isEnabled() else None

    def set_layout(self, name: str) -> None:
        """Show the letters (:data:`TEXT`) or the RUT keypad (:data:`NUMERIC`)."""
        self.layout_name = name
        self.pages.setCurrentIndex(1 if name == NUMERIC else 0)

    def follow(self, widget: QWidget | None) -> None:
        """Adapt to ``widget`` getting the focus: its page, its Enter label; a pending accent is dropped."""
        if widget is None:
            return
        numeric = bool(widget.inputMethodHints() & NUMERIC_HINTS)
        self.set_layout(NUMERIC if numeric else TEXT)
        enter = widget.property("enterLabel")
        for button in self.enters:
            button.setText(f"{enter if isinstance(enter, str) and enter else 'Siguiente'} ↵")
        self.dead = ""
        self._draw()

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and new.window() is self.window():
            self.follow(new)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        app = QApplication.instance()
        if not self.tracking and isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)
            self.tracking = True
        self.follow(self.target())

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        app = QApplication.instance()
        if self.tracking and isinstance(app, QApplication):
            app.focusChanged.disconnect(self._focus_moved)
            self.tracking = False

    def _shown(self, char: str) -> str:
        """What touching the key of ``char`` types now (shift and a waiting accent applied)."""
        if self.dead and char in VOWELS:
            char = unicodedata.normalize("NFC", char + self.dead)
        return char.upper() if self.shift else char

    def _draw(self) -> None:
        for char, button in self.chars.items():
            button.setText(self._shown(char).replace("&", "&&"))
            pending = bool(self.dead) and char in VOWELS
            if button.property("pending") != pending:
                button.setProperty("pending", pending)
                button.style().unpolish(button)
                button.style().polish(button)
        self.mods[SHIFT].setChecked(self.shift > 0)
        self.mods[SHIFT].setText("⇪ MAYÚS" if self.shift == 2 else "⇧ Mayús")
        for mark in (ACUTE, DIAERESIS):
            self.mods[mark].setChecked(self.dead == mark)

    # -- typing --------------------------------------------------------------------------------------------------

    def press(self, key: str) -> None:
        """What touching ``key`` does (a character, or one of ``BACK``/``ENTER``/``SHIFT``/``SPACE``/``LEFT``/
        ``RIGHT``/a dead key)."""
        if key == SHIFT:
            self.shift = (self.shift + 1) % 3
        elif key in DEAD_LABELS:
            self.dead = "" if self.dead == key else key
        elif key == BACK:
            self.dead = ""
            self._send(int(Qt.Key.Key_Backspace.value), "")
        elif key == ENTER:
            self.dead = ""
            self._send(int(Qt.Key.Key_Return.value), "\r")
        elif key in (LEFT, RIGHT):
            self.dead = ""
            self._send(int((Qt.Key.Key_Left if key == LEFT else Qt.Key.Key_Right).value), "")
        else:
            char = " " if key == SPACE else self._shown(key)
            self.dead = ""
            if self.shift == 1 and key.isalpha():
                self.shift = 0
            self._send(_qt_key(char), char)
        self._draw()

    def _send(self, key: int, text: str) -> None:
        """A key press and release to the focused widget, as a physical keyboard would send them."""
        target = self.target()
        if target is None:
            return
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(target, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text))
