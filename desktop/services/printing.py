"""The print worker: every job goes to the printer from one background thread, so a slow, unplugged or paperless
printer never freezes the till; it also asks the printer how it is while idle.

The worker never touches the journal. Its results wait in ``take()`` until the thread that owns the journal
collects them (``ReceiptService.collect``), woken by ``on_event``.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from desktop.drivers.ports import PrinterError, PrinterStatus, ReceiptPrinter


@dataclass(frozen=True, slots=True)
class PrintJob:
    """Bytes for the printer. ``key`` names what they are (``sale:<id>``, ``z:<shift>``, ``drawer``, ``test:<n>``);
    ``printer`` sends them to another printer than the terminal's (the device page's test print)."""

    key: str
    data: bytes
    printer: ReceiptPrinter | None = None
    reprint: bool = False


@dataclass(frozen=True, slots=True)
class JobDone:
    """What became of one job: ``error`` is ``None`` when the printer took it."""

    job: PrintJob
    error: PrinterError | None

    @property
    def ok(self) -> bool:
        return self.error is None


class PrintWorker:
    """Sends ``PrintJob``s one at a time in a daemon thread (started by the first job) and polls the status.

    After a failed job, the jobs already waiting for the same printer fail at once with the same error instead
    of each waiting for the printer's timeout (they stay in the reprint queue, oldest first).

    Args:
        printer: the terminal's printer.
        status_interval: seconds between status queries while idle (0 = never).
        on_event: called from the worker thread after each job and each status change (wake the GUI).
    """

    def __init__(self, printer: ReceiptPrinter, *, status_interval: float = 15.0,
                 on_event: Callable[[], None] = lambda: None) -> None:
        self.printer = printer
        self.status_interval = status_interval
        self.on_event = on_event
        self._jobs: queue.Queue[PrintJob | None] = queue.Queue()
        self._lock = threading.Lock()
        self._done: list[JobDone] = []
        self._status: PrinterStatus | None = None
        self._last_status: PrinterStatus | None = None
        self._busy: list[str] = []
        self._idle = threading.Condition(self._lock)
        self._swap: ReceiptPrinter | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    # -- the caller's side --------------------------------------------------------------------------------------

    def submit(self, job: PrintJob) -> None:
        """Queue ``job``; it is sent after the ones before it."""
        with self._lock:
            if self._stopped:
                raise RuntimeError("print worker stopped")
            self._busy.append(job.key)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="almacen-print", daemon=True)
                self._thread.start()
        self._jobs.put(job)

    def start(self) -> None:
        """Start the thread now (to poll the status before the first job)."""
        with self._lock:
            if self._thread is None and not self._stopped:
                self._thread = threading.Thread(target=self._run, name="almacen-print", daemon=True)
                self._thread.start()

    def use(self, printer: ReceiptPrinter) -> None:
        """Print on ``printer`` from the next job on (the current one finishes on the old printer)."""
        with self._lock:
            running = self._thread is not None
            if running:
                self._swap = printer
            else:
                self.printer = printer
        if running:
            self._jobs.put(None)  # wake the thread to swap now

    def busy(self) -> list[str]:
        """Keys of the jobs queued or being sent, oldest first."""
        with self._lock:
            return list(self._busy)

    def take(self) -> tuple[list[JobDone], PrinterStatus | None]:
        """The jobs finished since the last call and the newest status (``None``: no news)."""
        with self._lock:
            done, self._done = self._done, []
            status, self._status = self._status, None
            return done, status

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every submitted job is finished; ``False`` if ``timeout`` seconds passed first."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def stop(self, timeout: float = 2.0) -> None:
        """Stop after the job being sent (waiting jobs are dropped: they stay in the reprint queue)."""
        with self._lock:
            self._stopped = True
            thread = self._thread
        self._jobs.put(None)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # -- the worker thread --------------------------------------------------------------------------------------

    def _run(self) -> None:
        next_status = time.monotonic()
        while True:
            wait = None if self.status_interval <= 0 else max(0.0, next_status - time.monotonic())
            try:
                job = self._jobs.get(timeout=wait)
            except queue.Empty:
                self._report_status(self._status_now())
                next_status = time.monotonic() + self.status_interval
                continue
            with self._lock:
                if self._stopped:
                    self._busy.clear()
                    self._idle.notify_all()
                    return
                if self._swap is not None:
                    old, self.printer, self._swap = self.printer, self._swap, None
                    _close(old)
                    next_status = time.monotonic()
            if job is not None:
                self._send(job)

    def _send(self, job: PrintJob) -> None:
        printer = job.printer or self.printer
        try:
            printer.send(job.data)
            error = None
        except PrinterError as exc:
            error = exc
        except Exception as exc:  # a driver bug must not kill the worker; the cashier still gets a sentence
            error = PrinterError(PrinterStatus.UNKNOWN, detail=f"{type(exc).__name__}: {exc}")
        if job.printer is not None:
            _close(job.printer)
        finished = [JobDone(job, error)]
        if error is not None and job.printer is None:
            finished += [JobDone(waiting, error) for waiting in self._drain()]
        with self._lock:
            self._done.extend(finished)
            if job.printer is None:
                keep_low = error is None and self._last_status is PrinterStatus.PAPER_LOW
                self._status = self._last_status = (PrinterStatus.PAPER_LOW if keep_low else
                                                    error.status if error is not None else PrinterStatus.READY)
            for done in finished:
                self._busy.remove(done.job.key)
            self._idle.notify_all()
        self._wake()

    def _drain(self) -> list[PrintJob]:
        """Take the jobs waiting for the terminal's printer out of the queue (others are put back)."""
        drained, others = [], []
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None and job.printer is None:
                drained.append(job)
            else:
                others.append(job)
        for job in others:
            self._jobs.put(job)
        return drained

    def _wake(self) -> None:
        try:
            self.on_event()
        except Exception:  # a window that is gone; its results stay for the next collect()
            return

    def _status_now(self) -> PrinterStatus:
        try:
            return self.printer.status()
        except PrinterError as exc:
            return exc.status
        except Exception:  # same rule as _send: report, never die
            return PrinterStatus.UNKNOWN

    def _report_status(self, status: PrinterStatus) -> None:
        with self._lock:
            if status is self._last_status:
                return
            self._status = self._last_status = status
        self._wake()


def _close(printer: ReceiptPrinter) -> None:
    close = getattr(printer, "close", None)
    if callable(close):
        try:
            close()
        except Exception:  # closing a broken link may fail too; nothing to tell the cashier
            return
