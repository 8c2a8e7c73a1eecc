"""Drop-down choices for set-up forms: finger-sized combos, with a value behind each text."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from desktop.ui.widgets import named


def combo(name: str, choices: tuple[tuple[Any, str], ...] = (), *, editable: bool = False) -> QComboBox:
    """A finger-sized drop-down offering ``choices`` (value, text); ``editable`` lets the text be typed too."""
    box = named(QComboBox(), name)
    box.setEditable(editable)
    box.setMinimumHeight(46)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(10)  # long protocol names must not widen the page past a 1024 px screen
    box.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    for value, text in choices:
        box.addItem(text, value)
    return box


def fill(box: QComboBox, values: tuple[tuple[str, str], ...], text: str) -> None:
    """Offer ``values`` (value, description) in an editable combo, keeping ``text`` as typed."""
    if tuple(box.itemText(i) for i in range(box.count())) != tuple(v for v, _ in values):
        box.clear()
        for i, (value, description) in enumerate(values):
            box.addItem(value)
            box.setItemData(i, description, Qt.ItemDataRole.ToolTipRole)
    if box.currentText() != text:
        box.setEditText(text)


def pick(box: QComboBox, value: Any) -> None:
    """Select the choice whose value is ``value`` (nothing changes if it is not offered)."""
    index = box.findData(value)
    if index >= 0:
        box.setCurrentIndex(index)
