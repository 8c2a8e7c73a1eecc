"""The first-run question on the till: connect to HQ with a one-time code, or keep selling offline for now."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.journal.sqlite_store import SqliteJournal
from desktop.services import enrollment
from shared import errors


@dataclass(frozen=True, slots=True)
class EnrollView:
    message: str = ""
    error: bool = False
    done: bool = False


class EnrollPresenter:
    """Enrols the running till (its ``journal``, with the key written to ``data_dir``); on success ``connect`` starts
    its sync service at once (no restart)."""

    def __init__(self, journal: SqliteJournal, data_dir: Path, connect: Callable[[], object]) -> None:
        self.journal = journal
        self.data_dir = data_dir
        self.connect = connect
        self.view = EnrollView()

    @staticmethod
    def needed(journal: SqliteJournal, enrolled: bool) -> bool:
        """Ask at start-up: not ``enrolled``, and the owner has not chosen to stay offline."""
        return not enrolled and not journal.sync_state().get("enroll_skipped")

    def enroll(self, server_url: str, code: str) -> EnrollView:
        url, code = server_url.strip(), code.strip()
        if not url.startswith(("http://", "https://")) or not code:
            self.view = EnrollView("Escriba la dirección de HQ (http://…) y el código que le dieron.", True)
            return self.view
        try:
            enrollment.enroll_existing(self.journal, self.data_dir, url, code)
        except errors.PosError as exc:
            self.view = EnrollView(str(exc), True)
            return self.view
        self.connect()
        self.view = EnrollView("Caja conectada con HQ. Las ventas se enviarán solas.", False, True)
        return self.view

    def skip(self) -> EnrollView:
        self.journal.set_sync_state(enroll_skipped=1)
        self.view = EnrollView("La caja vende sin conexión; puede conectarla después.", False, True)
        return self.view
