"""The ``FiadoDesk`` of a real till: ``FiadoService`` (customers, accounts, abonos, reversals, statements) with the
signed-in cashier and their open shift, as the customer and fiado screens use it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from desktop.journal import fiado_queries
from desktop.presenters.fiado import PaymentRecord, StatementLine, StatementRecord
from desktop.services.auth import User
from desktop.services.fiado import FiadoService, UnknownCustomer
from desktop.services.shifts import ShiftService
from shared import errors


class TillFiado:
    """``FiadoService`` for the screens: unknown customers read as None, commands as the signed-in ``cashier()``
    in their open shift."""

    def __init__(self, service: FiadoService, shifts: ShiftService, cashier: Callable[[], User | None]) -> None:
        self.service = service
        self.shifts = shifts
        self.cashier = cashier

    def _user(self) -> User:
        user = self.cashier()
        if user is None:
            raise errors.AuthError("ningún cajero ha iniciado sesión")
        return user

    def find_customers(self, text: str) -> Sequence[fiado_queries.Customer]:
        return self.service.find(text)

    def customer(self, customer_id: str) -> fiado_queries.Customer | None:
        try:
            return self.service.customer(customer_id)
        except UnknownCustomer:
            return None

    def account(self, customer_id: str) -> fiado_queries.Account | None:
        try:
            return self.service.account(customer_id)
        except UnknownCustomer:
            return None

    def save_customer(self, customer_id: str, name: str, rut: str, phone: str, address: str, notes: str,
                      user_id: str) -> str:
        del user_id  # the signed-in user saves it
        return self.service.save_customer(name, rut, phone, address, notes, self._user(), customer_id=customer_id)

    def pay(self, customer_id: str, kind: str, amount: int, received: int, shift_id: str, cashier_id: str) -> str:
        user = self._user()
        done = self.service.pay(customer_id, kind, amount, received, self.shifts.current(cashier_id or user.user_id),
                                user)
        return done.drawer_problem

    def payments(self, customer_id: str) -> Sequence[PaymentRecord]:
        return [PaymentRecord(p.payment_id, p.at, p.kind, p.amount, p.reversed)
                for p in fiado_queries.payments(self.service.journal.conn, customer_id)]

    def reverse(self, payment_id: str, pin: str, reason: str, shift_id: str, cashier_id: str) -> str:
        user = self._user()
        done = self.service.reverse(payment_id, pin, reason, cashier=user,
                                    shift=self.shifts.current(cashier_id or user.user_id))
        return done.drawer_problem

    def statement(self, customer_id: str, start: date, end: date) -> StatementRecord:
        sheet = self.service.statement(customer_id, start, end)
        return StatementRecord(sheet.opening, tuple(StatementLine(x.date, x.document, x.cargo, x.abono, x.balance)
                                                    for x in sheet.lines), sheet.closing)

    def print_statement(self, customer_id: str, start: date, end: date) -> None:
        self.service.print_statement(customer_id, start, end)
