"""The cashier's shift: open with a float, cash in and out with reasons, close with a blind count and Z report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from desktop.drivers.ports import CashDrawer, PrinterError
from desktop.journal import read_models
from desktop.journal.sqlite_store import SqliteJournal
from desktop.services.auth import AuthService, User
from desktop.services.receipts import PrintOutcome, ReceiptService
from shared import errors, money, roles
from shared import shift as shift_mod
from shared.events import auth as auth_events
from shared.events import shifts as shift_events
from shared.sale import TenderKind


@dataclass(frozen=True, slots=True)
class Closed:
    report: shift_mod.ZReport
    printed: PrintOutcome


class ShiftService:
    """Shift life cycle on one terminal: at most one shift open at a time, or, with ``per_cashier`` (a drawer per
    cashier, ``cashier_change = "drawer"``), at most one per cashier, each counted and closed by its own."""

    def __init__(self, journal: SqliteJournal, auth: AuthService, receipts: ReceiptService, drawer: CashDrawer,
                 new_id: Callable[[], str], *, per_cashier: bool = False) -> None:
        self.journal = journal
        self.per_cashier = per_cashier
        self.auth = auth
        self.receipts = receipts
        self.drawer = drawer
        self.new_id = new_id
        self.drawer_problem = ""
        """What went wrong with the last drawer kick, for the cashier ("" = it was sent)."""
        self.on_closed: Callable[[], None] | None = None
        """Called after each close is journaled (the terminal asks for a backup of the journal then)."""

    def current(self, cashier_id: str | None = None) -> shift_mod.Shift | None:
        """The open shift; with ``per_cashier``, ``cashier_id``'s own (None for anyone's latest)."""
        return read_models.open_shift(self.journal.conn, cashier_id if self.per_cashier else None)

    def last_closed(self) -> shift_mod.Shift | None:
        """This terminal's last closed shift (for a copy of its Z report), or None before the first close."""
        return read_models.last_closed_shift(self.journal.conn)

    def open(self, cashier: User, opening_float: money.Pesos) -> shift_mod.Shift:
        """Raises: ShiftError when a shift is already open (the cashier's own, with ``per_cashier``);
        InvalidAmount for a negative float."""
        if self.current(cashier.user_id) is not None:
            raise errors.ShiftError("ya hay un turno abierto", "open")
        if opening_float < 0:
            raise errors.InvalidAmount(opening_float, "el fondo inicial no puede ser negativo")
        number = read_models.last_shift_number(self.journal.conn) + 1
        event = shift_events.ShiftOpened(self.new_id(), number, cashier.user_id, opening_float)
        self.journal.append(event)
        return shift_mod.Shift.open(event)

    def _require_open(self, cashier_id: str | None = None) -> shift_mod.Shift:
        shift = self.current(cashier_id)
        if shift is None:
            raise errors.ShiftError("no hay un turno abierto", "closed")
        return shift

    def cash_in(self, user: User, amount: money.Pesos, reason: str) -> shift_mod.Shift:
        """Cash put into the drawer (e.g. more change). Raises: ShiftError, InvalidAmount, InvalidInput."""
        return self._move(user, "in", amount, reason, None)

    def cash_out(self, user: User, amount: money.Pesos, reason: str, supervisor_pin: str) -> shift_mod.Shift:
        """Cash taken out (retiro), authorised by a supervisor. Raises: as cash_in, WrongPin, LockedOut."""
        return self._move(user, "out", amount, reason, supervisor_pin)

    def _move(self, user: User, direction: str, amount: money.Pesos, reason: str,
              pin: str | None) -> shift_mod.Shift:
        shift = self._require_open(user.user_id)
        if amount <= 0:
            raise errors.InvalidAmount(amount, "el monto debe ser mayor que cero")
        if not reason.strip():
            raise errors.InvalidInput("indique el motivo")
        events: list[object] = []
        if pin is not None:
            _sup, authorised = self.auth.authorise(pin, roles.Action.CASH_OUT, user.user_id, reason,
                                                   shift_id=shift.shift_id, detail=money.format_clp(amount))
            events.append(authorised)
        events.append(shift_events.CashMoved(shift.shift_id, direction, amount, reason.strip(), user.user_id))
        self.journal.append(*events)
        self._kick()
        return self._require_open(user.user_id)

    def open_drawer(self, user: User, supervisor_pin: str, reason: str) -> str:
        """Open the drawer without a sale: supervisor PIN, journaled with who and why, then the kick.

        Returns:
            ``""`` when the kick was sent (a queued kick that fails later reaches the print listeners), else why
            not, for the cashier (the authorisation stays journaled).

        Raises: WrongPin, LockedOut, InvalidInput (no reason).
        """
        shift = self.current(user.user_id)
        supervisor, authorised = self.auth.authorise(supervisor_pin, roles.Action.OPEN_DRAWER, user.user_id,
                                                     reason, shift_id=shift.shift_id if shift else "")
        self.journal.append(authorised, auth_events.DrawerOpened(user.user_id, supervisor.user_id, reason.strip()))
        return self._kick()

    def _kick(self) -> str:
        """Kick the drawer; a failure is kept in ``drawer_problem`` (what was journaled stays)."""
        try:
            self.drawer.open()
        except PrinterError as exc:
            self.drawer_problem = exc.message
        else:
            self.drawer_problem = ""
        return self.drawer_problem

    def close(self, user: User, counted: dict[TenderKind, money.Pesos]) -> Closed:
        """Close with the cashier's blind count, then print the Z report.

        Raises: ShiftError (no open shift, or a sale still in the cart), InvalidAmount (negative count).
        """
        shift = self._require_open(user.user_id)
        draft = read_models.draft(self.journal.conn)
        if draft is not None and draft["sale"]["lines"]:
            raise errors.ShiftError("hay una venta en curso: cóbrela o anule sus líneas antes de cerrar", "open")
        self.journal.append(shift.close(counted, user.user_id))
        closed = read_models.shift(self.journal.conn, shift.shift_id)
        assert closed is not None
        printed = self.receipts.print_z_report(closed)
        if self.on_closed is not None:
            self.on_closed()  # the journal's backup at shift close (desktop/services/backups.py), in its thread
        return Closed(shift_mod.z_report(closed), printed)
