"""The back office's search field: searched like the till (accents, case and hyphens ignored) as words are
typed, and a scanned code (keyboard-wedge or serial) finds its product on Enter."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.ui.widgets import ScanField


class SearchField(ScanField):
    """``searched(text)`` after a pause in typing (at once when emptied; digits wait for Enter, so a scan never
    searches half a barcode), ``submitted(text)`` on Enter. Unlike the sale screen's field the text stays, all
    selected, so the next scan or word replaces it."""

    def __init__(self, name: str, placeholder: str = "Buscar o escanear…", parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.setObjectName(name)
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(True)

    def _entered(self) -> None:
        self.timer.stop()
        self.selectAll()
        self.submitted.emit(self.text())

    def scanned(self, code: str) -> None:
        """A code from the serial scanner: shown in the field and submitted as if typed and Entered."""
        self.blockSignals(True)
        self.setText(code)
        self.blockSignals(False)
        self._entered()
