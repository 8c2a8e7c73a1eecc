"""The sync worker's status on the GUI thread: the status bar's connection text and a backlog progress bar."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QProgressBar

from desktop.services.sync import SyncService, SyncStatus, SyncWorker
from desktop.terminal import Terminal
from desktop.ui import style
from shared import es_cl

BIG_BACKLOG = 500  # events: below this an upload takes a second and needs no progress bar


class SyncBridge(QObject):
    """Receives the worker thread's callbacks as queued signals and updates two status-bar widgets."""

    status_changed = Signal(object)
    progressed = Signal(int, int)

    def __init__(self, terminal: Terminal, connection: QLabel, progress: QProgressBar,
                 on_pulled: Callable[[], object] = lambda: None) -> None:
        super().__init__()
        self.on_pulled = on_pulled
        self.connection = connection
        self.progress = progress
        self.progress.setVisible(False)
        self.worker: SyncWorker | None = None
        self.status_changed.connect(self._show_status)
        self.progressed.connect(self._show_progress)
        service: SyncService | None = terminal.sync
        if service is not None:
            service.on_progress = self.progressed.emit
            self.worker = SyncWorker(service, terminal.journal.clock, on_status=self.status_changed.emit)
            self.worker.start()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()

    def _show_status(self, status: SyncStatus) -> None:
        self.connection.setText(f"● {status.label}")
        style.set_flag(self.connection, "online", status.online)
        self.progress.setVisible(False)
        if status.pulled:  # HQ changed prices or products: show them without a restart
            self.on_pulled()

    def _show_progress(self, done: int, total: int) -> None:
        if total < BIG_BACKLOG:
            return
        self.progress.setVisible(True)
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(f"Enviando {es_cl.number(done)}/{es_cl.number(total)}")
