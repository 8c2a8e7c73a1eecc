"""Presenters of sign-in, shift opening, cash moves and the blind close with its Z report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from desktop.presenters.sale import describe
from desktop.services.auth import AuthService, User
from desktop.services.receipts import PrintOutcome, ReceiptService
from desktop.services.shifts import ShiftService
from shared import errors, money
from shared import shift as shift_mod
from shared.sale import TenderKind


@dataclass(frozen=True, slots=True)
class SessionView:
    users: tuple[tuple[str, str], ...]
    user: str = ""
    shift: str = ""
    message: str = ""
    error: bool = False
    z_lines: tuple[tuple[str, str], ...] = ()
    z_reprint: str = ""
    """The [Reimprimir reporte Z] button of the summary on screen: ``""`` none (printed, or on its way the first
    time), ``"failed"`` offered (the last print of that Z failed), ``"printing"`` shown but busy (a copy is on
    its way)."""
    for_sale: bool = False
    """The message is for the sale screen: the outcome of a Z copy asked from the shift menu."""


class SessionPresenter:
    """Who is at the till and which shift is open."""

    def __init__(self, auth: AuthService, shifts: ShiftService, receipts: ReceiptService,
                 on_change: Callable[[SessionView], None] = lambda v: None, *, handover_count: bool = True) -> None:
        self.auth, self.shifts, self.receipts = auth, shifts, receipts
        self.handover_count = handover_count
        """[Cambiar cajero] closes the outgoing cashier's shift with a blind count, so each shift (and its cash
        difference) is one person's (``cashier_change = "count"`` in ``terminal.toml``)."""
        self.next_float = ""
        """The cash counted at the last hand-over: offered as the next cashier's opening float."""
        self.on_change = on_change
        self.user: User | None = None
        self.view = SessionView(users=tuple((u.user_id, u.name) for u in auth.users()))
        self._closed: shift_mod.Shift | None = None  # the shift whose Z summary is on screen
        self._copies: dict[str, int] = {}  # print key -> shift number of Z copies asked from the shift menu
        receipts.listen(self._printed)

    def _printed(self, outcomes: list[PrintOutcome]) -> None:
        """News on a Z report: on the summary on screen (failed: say why and offer [Reimprimir]; a copy printed:
        say so), or, for a copy asked from the shift menu, on the sale screen."""
        for outcome in outcomes:
            if not outcome.key.startswith("z:") or outcome.pending:
                continue
            number = self._copies.pop(outcome.key, None)
            if number is not None:
                self._emit(message=f"Reporte Z del turno {number} impreso (copia)" if outcome.ok else outcome.message,
                           error=not outcome.ok, for_sale=True)
            elif self.view.z_lines and self._closed is not None and outcome.key == f"z:{self._closed.shift_id}":
                done = f"Turno {self._closed.number} cerrado."
                if outcome.ok and self.view.z_reprint:
                    self._emit(message=f"{done} Reporte Z impreso.", z_lines=self.view.z_lines)
                elif not outcome.ok:
                    self._emit(message=f"{done} {outcome.message}", error=True, z_lines=self.view.z_lines,
                               z_reprint="failed")

    def reprint_z(self) -> SessionView:
        """[Reimprimir reporte Z] on the summary: the same Z (rebuilt from the journal), marked as a copy."""
        if self._closed is None or not self.view.z_lines or self.view.z_reprint != "failed":
            return self.view
        self.receipts.print_z_report(self._closed, reprint=True)
        return self._emit(message=f"Turno {self._closed.number} cerrado. Imprimiendo de nuevo el reporte Z…",
                          z_lines=self.view.z_lines, z_reprint="printing")

    def reprint_last_z(self) -> SessionView:
        """[Reimprimir último reporte Z] in the shift menu: a copy of the Z of this terminal's last closed shift;
        its outcome comes later as a ``for_sale`` view."""
        shift = self.shifts.last_closed()
        if shift is None:
            return self._emit(message="Aún no hay turnos cerrados", error=True, for_sale=True)
        outcome = self.receipts.print_z_report(shift, reprint=True)
        self._copies[outcome.key] = shift.number
        return self._emit(message=f"Imprimiendo copia del reporte Z del turno {shift.number}…", for_sale=True)

    def refresh_users(self) -> SessionView:
        """The active users again, after a pull (HQ may have added, changed or deactivated some)."""
        users = tuple((u.user_id, u.name) for u in self.auth.users())
        return self.view if users == self.view.users else self._emit(users=users)

    def _emit(self, **changes: object) -> SessionView:
        shift = self.current_shift()
        base = {"users": self.view.users, "user": self.user.name if self.user else "",
                "shift": f"Turno {shift.number}" if shift else "", "message": "", "error": False, "z_lines": (),
                "z_reprint": "", "for_sale": False}
        base.update(changes)
        self.view = SessionView(**base)  # type: ignore[arg-type]
        self.on_change(self.view)
        return self.view

    def sign_in(self, user_id: str, pin: str) -> SessionView:
        try:
            self.user = self.auth.sign_in(user_id, pin)
        except errors.PosError as exc:
            return self._emit(message=describe(exc), error=True)
        return self._emit(message=f"Hola, {self.user.name}")

    def current_shift(self) -> shift_mod.Shift | None:
        """The open shift the signed-in cashier sells on (their own when each cashier has a drawer)."""
        return self.shifts.current(self.user.user_id if self.user else None)

    def open_shift(self, float_text: str) -> SessionView:
        """Open a shift with the cash float typed on the keypad."""
        if self.user is None:
            return self._emit(message="Inicie sesión primero", error=True)
        try:
            shift = self.shifts.open(self.user, money.parse_clp(float_text or "0"))
        except errors.PosError as exc:
            return self._emit(message=describe(exc), error=True)
        self.next_float = ""
        return self._emit(message=f"Turno {shift.number} abierto con {money.format_clp(shift.opening_float)}")

    def cash_move(self, direction: str, amount_text: str, reason: str, supervisor_pin: str = "") -> SessionView:
        """Cash in (no PIN) or out (supervisor PIN) with its reason."""
        if self.user is None:
            return self._emit(message="Inicie sesión primero", error=True)
        try:
            amount = money.parse_clp(amount_text)
            if direction == "in":
                self.shifts.cash_in(self.user, amount, reason)
            else:
                self.shifts.cash_out(self.user, amount, reason, supervisor_pin)
        except errors.PosError as exc:
            return self._emit(message=describe(exc), error=True)
        word = "Ingreso" if direction == "in" else "Retiro"
        problem = self.shifts.drawer_problem
        done = f"{word} de {money.format_clp(amount)} registrado"
        return self._emit(message=f"{done}. {problem}" if problem else done, error=bool(problem))

    def open_drawer(self, supervisor_pin: str, reason: str) -> SessionView:
        """Open the cash drawer without a sale (supervisor PIN and reason, journaled)."""
        if self.user is None:
            return self._emit(message="Inicie sesión primero", error=True)
        try:
            problem = self.shifts.open_drawer(self.user, supervisor_pin, reason)
        except errors.PosError as exc:
            return self._emit(message=describe(exc), error=True)
        if problem:
            return self._emit(message=f"Apertura autorizada, pero el cajón no se abrió: {problem}", error=True)
        return self._emit(message="Cajón abierto")

    def administrator(self, pin: str) -> SessionView:
        """An administrator's PIN to open a set-up screen (the device page); ``error`` when it is not one."""
        try:
            admin = self.auth.administrator(pin)
        except errors.PosError as exc:
            return self._emit(message=describe(exc), error=True)
        return self._emit(message=f"Administración: {admin.name}")

    def hand_over(self, counted_text: dict[TenderKind, str]) -> SessionView:
        """[Cambiar cajero] with ``handover_count``: the outgoing cashier's blind count closes their shift (its Z
        printed and shown); the cash counted becomes the next cashier's suggested float (``next_float``)."""
        view = self.close_shift(counted_text)
        if view.z_lines:
            cash = money.parse_clp(counted_text.get(TenderKind.CASH) or "0")
            self.next_float = money.format_clp(cash).removeprefix("$")
        return view

    def close_shift(self, counted_text: dict[TenderKind, str]) -> SessionView:
        """Close with the blind count typed per tender; the Z report is printed and shown."""
        if self.user is None:
            return self._emit(message="Inicie sesión primero", error=True)
        try:
            counted = {k: money.parse_clp(v or "0") for k, v in counted_text.items()}
            closed = self.shifts.close(self.user, counted)
        except errors.PosError as exc:
            return self._emit(message=describe(exc), error=True)
        self.next_float = ""
        report = closed.report
        lines = [("Ventas", str(report.shift.sales_count)), ("Total", money.format_clp(report.shift.sales_total))]
        if report.shift.returns_count:
            lines.append(("Devoluciones", f"{report.shift.returns_count} · "
                                          f"{money.format_clp(report.shift.returns_total)}"))
        s = report.shift
        if s.fiado_sales:
            lines.append(("Ventas al fiado", money.format_clp(s.fiado_sales)))
        if s.fiado_payments_count:
            lines.append(("Abonos de fiado", f"{s.fiado_payments_count} · {money.format_clp(s.fiado_payments)}"))
        for r in report.results:
            if r.expected or r.counted:
                lines.append((f"{r.kind.label}: esperado / contado",
                              f"{money.format_clp(r.expected)} / {money.format_clp(r.counted)}"))
        diff = report.cash_difference
        verdict = "Caja cuadrada" if diff == 0 else (
            f"Sobrante {money.format_clp(diff)}" if diff > 0 else f"Faltante {money.format_clp(-diff)}")
        lines.append(("Efectivo", verdict))
        failed = not closed.printed.ok and not closed.printed.pending
        note = f" {closed.printed.message}" if failed else ""
        self._closed = report.shift
        return self._emit(message=f"Turno {report.shift.number} cerrado.{note}", error=failed, z_lines=tuple(lines),
                          z_reprint="failed" if failed else "")
