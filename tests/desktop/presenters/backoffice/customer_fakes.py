"""An in-memory ``CustomerSource`` and ``FiadoActions`` for the Clientes presenter tests: profiles, accounts and a
ledger of signed entries, refusing what the till's fiado service refuses (no name, a bad RUT, a limit of zero)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from desktop.presenters.backoffice.customers import CustomerRow, Profile, Settings, StatementData, StatementLine
from shared import errors, text_fold
from shared import rut as rut_mod


@dataclass
class FakeFiado:
    profiles: dict[str, Profile] = field(default_factory=dict)
    accounts: dict[str, tuple[bool, int]] = field(default_factory=dict)
    ledger: list[tuple[str, date, str, int]] = field(default_factory=list)
    """(customer id, day, document, signed amount: + a cargo, − an abono), in order."""
    oldest: dict[str, str] = field(default_factory=dict)
    flags: dict[str, str] = field(default_factory=dict)
    store: Settings = field(default_factory=lambda: Settings(0, "credit"))
    calls: list[tuple[object, ...]] = field(default_factory=list)
    pdfs: list[tuple[str, date, date, Path]] = field(default_factory=list)

    # --- CustomerSource ---------------------------------------------------------------------------------------
    def _row(self, p: Profile) -> CustomerRow:
        enabled, limit = self.accounts.get(p.customer_id, (False, 0))
        balance = sum(a for c, _d, _doc, a in self.ledger if c == p.customer_id)
        return CustomerRow(p.customer_id, p.name, p.rut, p.phone, enabled, limit, balance,
                           self.oldest.get(p.customer_id, "") if balance > 0 else "", self.flags.get(p.customer_id, ""))

    def customers(self, search: str, only_with_balance: bool, overdue_only: bool, limit: int) -> list[CustomerRow]:
        self.calls.append(("customers", search, only_with_balance, overdue_only))
        words = text_fold.words(search)
        rows = []
        for p in self.profiles.values():
            text = text_fold.fold(f"{p.name} {p.rut} {p.rut.replace('-', '')} {p.phone}")
            row = self._row(p)
            if all(w in text for w in words) and (not only_with_balance or row.balance > 0) and (
                    not overdue_only or row.oldest_unpaid_at):
                rows.append(row)
        return sorted(rows, key=lambda r: (-r.balance, r.name))[:limit]

    def customer(self, customer_id: str) -> CustomerRow | None:
        p = self.profiles.get(customer_id)
        return None if p is None else self._row(p)

    def profile(self, customer_id: str) -> Profile | None:
        return self.profiles.get(customer_id)

    def statement(self, customer_id: str, start: date, end: date) -> StatementData:
        mine = [(d, doc, a) for c, d, doc, a in self.ledger if c == customer_id]
        opening = sum(a for d, _doc, a in mine if d < start)
        balance, lines = opening, []
        for d, doc, a in mine:
            if start <= d <= end:
                balance += a
                lines.append(StatementLine(d, doc, max(a, 0), max(-a, 0), balance))
        return StatementData(opening, tuple(lines), balance)

    def settings(self) -> Settings:
        return self.store

    # --- FiadoActions -----------------------------------------------------------------------------------------
    def save_customer(self, customer_id: str, name: str, rut: str, phone: str, address: str, notes: str) -> str:
        if not name.strip():
            raise errors.InvalidInput("Escriba el nombre del cliente")
        compact = rut_mod.parse(rut).compact if rut.strip() else ""
        customer_id = customer_id or f"c{len(self.profiles) + 1}"
        self.profiles[customer_id] = Profile(customer_id, name.strip(), compact, phone, address, notes)
        self.calls.append(("save_customer", customer_id))
        return customer_id

    def set_account(self, customer_id: str, enabled: bool, limit: int) -> None:
        if enabled and limit <= 0:
            raise errors.InvalidInput("El límite de fiado debe ser mayor que $0")
        self.accounts[customer_id] = (enabled, limit)
        self.calls.append(("set_account", customer_id, enabled, limit))

    def set_settings(self, allowance: int, overpayment: str) -> None:
        self.store = Settings(allowance, overpayment)
        self.calls.append(("set_settings", allowance, overpayment))

    def statement_pdf(self, customer_id: str, start: date, end: date, path: Path) -> Path:
        self.pdfs.append((customer_id, start, end, path))
        path.write_bytes(b"%PDF-1.4 fake\n")
        return path
