"""Device threads → GUI thread: queued signals for the print worker, the serial scanner and the scale poller.

Each worker calls a plain callback from its own thread; emitting a signal of a QObject that lives on the GUI
thread queues the call there, so presenters and widgets are only ever touched by the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from desktop.presenters.weighing import Result, WeighingPresenter
from desktop.services.receipts import ReceiptService
from desktop.terminal import Terminal


class PrintBridge(QObject):
    """Wakes the GUI thread when the print worker finished a job or saw a new printer status, and collects."""

    woke = Signal()

    def __init__(self, receipts: ReceiptService) -> None:
        super().__init__()
        self.receipts = receipts
        self.woke.connect(receipts.collect)
        receipts.worker.on_event = self.woke.emit
        receipts.worker.start()  # the status bar shows the printer's state before the first sale

    def stop(self) -> None:
        self.receipts.worker.on_event = lambda: None


class ScannerBridge(QObject):
    """Codes and problems of the serial scanner, delivered on the GUI thread."""

    scanned = Signal(str)
    problem = Signal(str)

    def __init__(self, terminal: Terminal, on_code: Callable[[str], None], on_problem: Callable[[str], None]) -> None:
        super().__init__()
        self.terminal = terminal
        self.scanned.connect(on_code)
        self.problem.connect(on_problem)
        terminal.start_scanner(self.scanned.emit, self.problem.emit)

    def stop(self) -> None:
        if self.terminal.scanner is not None:
            self.terminal.scanner.stop()


class ScaleBridge(QObject):
    """Starts a ``WeighingPresenter``'s poller and brings its readings to the GUI thread."""

    reading = Signal(object, object)  # (presenter, result): a late reading of a stopped poller is dropped

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)  # dies with the panel: readings still queued for it are dropped
        self.reading.connect(self._deliver)

    def start(self, presenter: WeighingPresenter) -> None:
        def deliver(result: Result) -> None:
            try:
                self.reading.emit(presenter, result)
            except RuntimeError:  # the panel was deleted between the poller's last check and this reading
                presenter.stop()

        presenter.start(deliver)

    @staticmethod
    def _deliver(presenter: WeighingPresenter, result: Result) -> None:
        if presenter.active:
            presenter.update(result)
