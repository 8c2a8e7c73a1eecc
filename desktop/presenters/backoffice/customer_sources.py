"""The till as the Clientes page's ports see it: the journal's customer and fiado read models
(``desktop.journal.fiado_queries``) as a ``CustomerSource``, and the till's ``FiadoService`` acting as the user
inside as ``FiadoActions``."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from pathlib import Path
from typing import Protocol

from desktop.journal import fiado_queries
from desktop.presenters.backoffice.customers import (
    CustomerRow,
    Profile,
    Settings,
    StatementData,
    StatementLine,
)
from desktop.services.auth import User


class FiadoDesk(Protocol):
    """What the page uses of ``desktop.services.fiado.FiadoService`` (each raises ``PosError``, Spanish)."""

    def save_customer(self, name: str, rut: str, phone: str, address: str, notes: str, user: User, *,
                      customer_id: str = "", active: bool = True) -> str: ...

    def set_account(self, customer_id: str, enabled: bool, limit: int | str, user: User | None) -> None: ...

    def set_settings(self, allowance: int | str, overpayment: str, user: User | None) -> None: ...

    def statement_pdf(self, customer_id: str, start: date, end: date, path: Path | str) -> Path: ...


def flag_text(flags: tuple[str, ...]) -> str:
    """The master's open flags on a customer (``fiado_queries.flags``) as one text for the page ("" none): each
    prefixed «Alerta del servidor», joined by " · "."""
    return " · ".join(f"Alerta del servidor: {f.rstrip('.')}" for f in flags)


class JournalCustomers:
    """``CustomerSource`` over the journal's connection; ``lock`` (the journal's, when a sync thread shares the
    connection) is held around each read."""

    def __init__(self, conn: sqlite3.Connection,
                 lock: Callable[[], AbstractContextManager[object]] = nullcontext) -> None:
        self.conn, self.lock = conn, lock

    @staticmethod
    def _row(row: fiado_queries.BalanceRow) -> CustomerRow:
        return CustomerRow(row.customer_id, row.name, row.rut, row.phone, row.enabled, row.limit, row.balance,
                           row.oldest_unpaid_at or "", flag_text(row.flags))

    def customers(self, search: str, only_with_balance: bool, overdue_only: bool,
                  limit: int) -> list[CustomerRow]:
        with self.lock():
            rows = fiado_queries.balances(self.conn, search, only_with_balance, overdue_only, limit=limit)
        return [self._row(r) for r in rows]

    def customer(self, customer_id: str) -> CustomerRow | None:
        with self.lock():
            found = fiado_queries.customer(self.conn, customer_id)
            if found is None:
                return None
            account = fiado_queries.account(self.conn, customer_id)
            flags = fiado_queries.flags(self.conn, found.customer_id)
        return CustomerRow(found.customer_id, found.name, found.rut, found.phone, account.enabled, account.limit,
                           account.balance, account.oldest_unpaid_at or "", flag_text(flags))

    def profile(self, customer_id: str) -> Profile | None:
        with self.lock():
            found = fiado_queries.customer(self.conn, customer_id)
        return None if found is None else Profile(found.customer_id, found.name, found.rut, found.phone,
                                                  found.address, found.notes)

    def statement(self, customer_id: str, start: date, end: date) -> StatementData:
        with self.lock():
            sheet = fiado_queries.statement(self.conn, customer_id, start, end)
        return StatementData(sheet.opening, tuple(StatementLine(line.date, line.document, line.cargo, line.abono,
                                                                line.balance) for line in sheet.lines),
                             sheet.closing)

    def settings(self) -> Settings:
        with self.lock():
            found = fiado_queries.settings(self.conn)
        return Settings(found.offline_allowance, found.overpayment)


class ServiceActions:
    """``FiadoActions`` through the till's ``FiadoService``, acting as ``user`` (the service refuses a
    supervisor's account and settings changes; the page does not offer them)."""

    def __init__(self, service: FiadoDesk, user: User) -> None:
        self.service, self.user = service, user

    def save_customer(self, customer_id: str, name: str, rut: str, phone: str, address: str, notes: str) -> str:
        return self.service.save_customer(name, rut, phone, address, notes, self.user, customer_id=customer_id)

    def set_account(self, customer_id: str, enabled: bool, limit: int) -> None:
        self.service.set_account(customer_id, enabled, limit, self.user)

    def set_settings(self, allowance: int, overpayment: str) -> None:
        self.service.set_settings(allowance, overpayment, self.user)

    def statement_pdf(self, customer_id: str, start: date, end: date, path: Path) -> Path:
        return self.service.statement_pdf(customer_id, start, end, path)
