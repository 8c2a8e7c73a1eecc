"""The first-run question on the till: connect to HQ with a one-time code, or keep selling offline for now."""

from __future__ import annotations

from dataclasses import dataclass

from desktop import terminal as terminal_mod
from desktop.services import enrollment
from shared import errors


@dataclass(frozen=True, slots=True)
class EnrollView:
    message: str = ""
    error: bool = False
    done: bool = False


class EnrollPresenter:
    """Enrols the running till; on success its sync service is connected at once (no restart)."""

    def __init__(self, terminal: terminal_mod.Terminal) -> None:
        self.terminal = terminal
        self.view = EnrollView()

    @staticmethod
    def needed(terminal: terminal_mod.Terminal) -> bool:
        """Ask at start-up: not enrolled, and the owner has not chosen to stay offline."""
        return terminal.sync is None and not terminal.journal.sync_state().get("enroll_skipped")

    def enroll(self, server_url: str, code: str) -> EnrollView:
        url, code = server_url.strip(), code.strip()
        if not url.startswith(("http://", "https://")) or not code:
            self.view = EnrollView("Escriba la dirección de HQ (http://…) y el código que le dieron.", True)
            return self.view
        try:
            enrollment.enroll_existing(self.terminal.journal, self.terminal.settings.data_dir, url, code)
        except errors.PosError as exc:
            self.view = EnrollView(str(exc), True)
            return self.view
        self.terminal.sync = terminal_mod.connect_sync(self.terminal.settings, self.terminal.journal)
        self.view = EnrollView("Caja conectada con HQ. Las ventas se enviarán solas.", False, True)
        return self.view

    def skip(self) -> EnrollView:
        self.terminal.journal.set_sync_state(enroll_skipped=1)
        self.view = EnrollView("La caja vende sin conexión; puede conectarla después.", False, True)
        return self.view
