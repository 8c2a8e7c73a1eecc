"""Presenters of sign-in, shift opening, cash moves and the blind close with its Z report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from desktop.presenters.sale import describe
from desktop.services.auth import User
from desktop.services.receipts import PrintOutcome
from desktop.terminal import Terminal
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


class SessionPresenter:
    """Who is at the till and which shift is open."""

    def __init__(self, terminal: Terminal, on_change: Callable[[SessionView], None] = lambda v: None) -> None:
        self.terminal = terminal
        self.on_change = on_change
        self.user: User | None = None
        self.view = SessionView(users=tuple((u.user_id, u.name) for u in terminal.auth.users()))
        terminal.receipts.listen(self._printed)

    def _printed(self, outcomes: list[PrintOutcome]) -> None:
        """A Z report that did not print: say so while its summary is on screen."""
        for outcome in outcomes:
            if outcome.key.startswith("z:") and not outcome.ok and self.view.z_lines:
                self._emit(message=f"{self.view.message} {outcome.message}".strip(), error=True,
                           z_lines=self.view.z_lines)

    def _emit(self, **changes: object) -> SessionView:
        shift = self.terminal.shifts.current()
        base = {"users": self.view.users, "user": self.user.name if self.user else "",
                "shift": f"Turno {shift.number}" if shift else "", "message": "", "error": False, "z_lines": ()}
        base.update(changes)
        self.view = SessionView(**base)  # type: ignore[arg-type]
        self.on_change(self.view)
        return self.view

    def sign_in(self, user_id: str, pin: str) -> SessionView:
        try:
            self.user = self.terminal.auth.sign_in(user_id, pin)
        except errors.PosError as exc:
            return self._emit(message=describe(exc), error=True)
        return self._emit(message=f"Hola, {self.user.name}")

    def current_shift(self) -> shift_mod.Shift | None:
        return self.terminal.shifts.current()

    def open_shift(self, float_text: str) -> SessionView:
        """Open a shift with the cash float typed on the keypad."""
        if self.user is None:
            return self._emit(message="Inicie sesión primero", error=True)
        try:
            shift = self.terminal.shifts.open(self.user, money.parse_clp(float_text or "0"))
        except errors.PosError as exc:
            return self._emit(message=describe(exc), error=True)
        return self._emit(message=f"Turno {shift.number} abierto con {money.format_clp(shift.opening_float)}")

    def cash_move(self, direction: str, amount_text: str, reason: str, supervisor_pin: str = "") -> SessionView:
        """Cash in (no PIN) or out (supervisor PIN) with its reason."""
        if self.user is None:
            return self._emit(message="Inicie sesión primero", error=True)
        try:
            amount = money.parse_clp(amount_text)
            if direction == "in":
                self.terminal.shifts.cash_in(self.user, amount, reason)
            else:
                self.terminal.shifts.cash_out(self.user, amount, reason, supervisor_pin)
        except errors.PosError as exc:
            return self._emit(message=describe(exc), error=True)
        word = "Ingreso" if direction == "in" else "Retiro"
        problem = self.terminal.shifts.drawer_problem
        done = f"{word} de {money.format_clp(amount)} registrado"
        return self._emit(message=f"{done}. {problem}" if problem else done, error=bool(problem))

    def open_drawer(self, supervisor_pin: str, reason: str) -> SessionView:
        """Open the cash drawer without a sale (supervisor PIN and reason, journaled)."""
        if self.user is None:
            return self._emit(message="Inicie sesión primero", error=True)
        try:
            problem = self.terminal.shifts.open_drawer(self.user, supervisor_pin, reason)
        except errors.PosError as exc:
            return self._emit(message=describe(exc), error=True)
        if problem:
            return self._emit(message=f"Apertura autorizada, pero el cajón no se abrió: {problem}", error=True)
        return self._emit(message="Cajón abierto")

    def administrator(self, pin: str) -> SessionView:
        """An administrator's PIN to open a set-up screen (the device page); ``error`` when it is not one."""
        try:
            admin = self.terminal.auth.administrator(pin)
        except errors.PosError as exc:
            return self._emit(message=describe(exc), error=True)
        return self._emit(message=f"Administración: {admin.name}")

    def close_shift(self, counted_text: dict[TenderKind, str]) -> SessionView:
        """Close with the blind count typed per tender; the Z report is printed and shown."""
        if self.user is None:
            return self._emit(message="Inicie sesión primero", error=True)
        try:
            counted = {k: money.parse_clp(v or "0") for k, v in counted_text.items()}
            closed = self.terminal.shifts.close(self.user, counted)
        except errors.PosError as exc:
            return self._emit(message=describe(exc), error=True)
        report = closed.report
        lines = [("Ventas", str(report.shift.sales_count)), ("Total", money.format_clp(report.shift.sales_total))]
        for r in report.results:
            if r.expected or r.counted:
                lines.append((f"{r.kind.label}: esperado / contado",
                              f"{money.format_clp(r.expected)} / {money.format_clp(r.counted)}"))
        diff = report.cash_difference
        verdict = "Caja cuadrada" if diff == 0 else (
            f"Sobrante {money.format_clp(diff)}" if diff > 0 else f"Faltante {money.format_clp(-diff)}")
        lines.append(("Efectivo", verdict))
        failed = not closed.printed.ok and not closed.printed.pending
        note = f" No se imprimió el reporte Z: {closed.printed.message}" if failed else ""
        return self._emit(message=f"Turno {report.shift.number} cerrado.{note}", error=failed, z_lines=tuple(lines))
