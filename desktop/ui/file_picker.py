"""A file picker for a finger on a 1024×600 screen, in Spanish: big rows of folders and matching files, Subir,
Inicio and Memoria USB; non-blocking like every dialog of the till."""

from __future__ import annotations

import fnmatch
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QScroller,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.style import TOUCH_MIN
from desktop.ui.widgets import BigButton, label, named

USB_ROOTS = (Path("/media"), Path("/run/media"), Path("/mnt"))
"""Where a USB stick appears on a Debian/Ubuntu till (the first that exists)."""


class TouchFilePicker(QDialog):
    """Pick one file whose name matches ``patterns`` (case-insensitive globs). ``fileSelected`` carries its path;
    a folder row opens the folder. Mirrors the part of ``QFileDialog`` the till uses: ``selectFile``/``accept``."""

    fileSelected = Signal(str)

    def __init__(self, parent: QWidget, name: str, title: str, start_dir: str,
                 patterns: tuple[str, ...] = ("*",)) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.patterns = tuple(p.lower() for p in patterns)
        self.folder = Path(start_dir) if Path(start_dir).is_dir() else Path.home()
        self.chosen: Path | None = None
        self.where = label("", "picker-folder", "hint")
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.rows = named(QListWidget(), "picker-list")
        self.rows.setUniformItemSizes(True)
        self.rows.setIconSize(QSize(32, 32))
        self.rows.setStyleSheet("QListWidget { background: white; border: 2px solid #cbd5e1; border-radius: 10px;"
                                " font-size: 20px; } QListWidget::item { border-bottom: 1px solid #e2e8f0; }"
                                " QListWidget::item:selected { background: #bfdbfe; color: #111827; }")
        self.rows.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        QScroller.grabGesture(self.rows.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.rows.itemClicked.connect(self._touched)
        self.message = label("", "picker-message", wrap=True)
        places = QHBoxLayout()
        for text, key, slot in (("⬆ Subir", "picker-up", self._up), ("Inicio", "picker-home", self._home),
                                ("Memoria USB", "picker-usb", self._usb)):
            button = BigButton(text, key)
            button.clicked.connect(slot)
            places.addWidget(button)
        cancel = BigButton("Cancelar", "picker-cancel")
        cancel.clicked.connect(self.reject)
        self.open_button = BigButton("Abrir", "picker-open", "primary")
        self.open_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(cancel, 1)
        buttons.addWidget(self.open_button, 2)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 10, 18, 12)
        outer.setSpacing(8)
        outer.addWidget(label(title, role="title"))
        outer.addWidget(self.where)
        outer.addLayout(places)
        outer.addWidget(self.rows, 1)
        outer.addWidget(self.message)
        outer.addLayout(buttons)
        self.show_folder(self.folder)

    def _matches(self, path: Path) -> bool:
        return any(fnmatch.fnmatch(path.name.lower(), p) for p in self.patterns)

    def show_folder(self, folder: Path) -> None:
        """List ``folder``: its folders first (hidden ones left out), then the files that match, by name."""
        try:
            entries = sorted(folder.iterdir(), key=lambda p: p.name.lower())
        except OSError:
            self.message.setText(f"No se puede abrir la carpeta {folder.name or folder}")
            return
        self.folder, self.chosen = folder, None
        self.message.setText("")
        self.rows.clear()
        visible = [p for p in entries if not p.name.startswith(".")]
        folders = [p for p in visible if p.is_dir()]
        files = [p for p in visible if p.is_file() and self._matches(p)]
        for path in (*folders, *files):
            icon = QStyle.StandardPixmap.SP_DirIcon if path.is_dir() else QStyle.StandardPixmap.SP_FileIcon
            item = QListWidgetItem(self.style().standardIcon(icon), path.name)
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            item.setSizeHint(QSize(0, TOUCH_MIN))
            self.rows.addItem(item)
        if not files and not folders:
            self.message.setText("Esta carpeta no tiene archivos XML. Toque «Subir» o «Memoria USB».")
        metrics = self.where.fontMetrics()
        self.where.setText(metrics.elidedText(f"Carpeta: {folder}", Qt.TextElideMode.ElideMiddle, 900))
        self.open_button.setEnabled(False)

    def _touched(self, item: QListWidgetItem) -> None:
        path = Path(str(item.data(Qt.ItemDataRole.UserRole)))
        if path.is_dir():
            self.show_folder(path)
        else:
            self.selectFile(str(path))

    def selectFile(self, path: str) -> None:
        """Choose ``path`` (its folder is shown); [Abrir] then opens it."""
        chosen = Path(path)
        if chosen.parent != self.folder:
            self.show_folder(chosen.parent)
        self.chosen = chosen
        for i in range(self.rows.count()):
            if self.rows.item(i).data(Qt.ItemDataRole.UserRole) == str(chosen):
                self.rows.setCurrentRow(i)
        self.open_button.setEnabled(True)

    def accept(self) -> None:
        if self.chosen is None:
            return
        super().accept()
        self.fileSelected.emit(str(self.chosen))

    def _up(self) -> None:
        self.show_folder(self.folder.parent)

    def _home(self) -> None:
        self.show_folder(Path.home())

    def _usb(self) -> None:
        for root in USB_ROOTS:
            if not root.is_dir():
                continue
            folder = root
            try:
                for _ in range(2):  # /media/<user>/<stick> on a desktop: step into a folder that is alone
                    inside = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
                    if len(inside) != 1:
                        break
                    folder = inside[0]
            except OSError:
                pass
            self.show_folder(folder)
            return
        self.message.setText("No se encontró una memoria USB: conéctela y toque de nuevo.")
