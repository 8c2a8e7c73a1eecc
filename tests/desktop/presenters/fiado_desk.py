"""An in-memory ``FiadoDesk`` for the fiado presenters' and dialogs' tests: customers, limits and a signed ledger
the way the till keeps it (a balance is the sum of its entries; refusals raise Spanish PosErrors)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from desktop.presenters import fiado
from shared import errors
from shared.sale import TenderKind


@dataclass(frozen=True)
class Person:
    customer_id: str
    name: str
    rut: str = ""
    phone: str = ""
    address: str = ""
    notes: str = ""


@dataclass(frozen=True)
class Account:
    enabled: bool
    limit: int
    balance: int

    @property
    def headroom(self) -> int:
        return max(self.limit - self.balance, 0)


@dataclass
class Desk:
    """An in-memory ``FiadoDesk``: customers, limits and a signed ledger ``(customer, amount, day, document)``."""

    people: dict[str, Person] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=dict)
    ledger: list[tuple[str, int, date, str]] = field(default_factory=list)
    paid: list[fiado.PaymentRecord] = field(default_factory=list)
    printed: list[tuple[str, date, date]] = field(default_factory=list)
    refuse_overpayment: bool = True
    drawer_problem: str = ""
    """What ``pay`` says after journaling (the drawer did not open), as FiadoService.pay's ``drawer_problem``."""

    def find_customers(self, text: str) -> Sequence[Person]:
        folded = text.lower().replace(".", "").replace("-", "").replace(" ", "")
        return [p for p in self.people.values()
                if folded in p.name.lower().replace(" ", "") or (p.rut and folded in p.rut.replace("-", "").lower())
                or (p.phone and folded in p.phone.replace(" ", ""))]

    def customer(self, customer_id: str) -> Person | None:
        return self.people.get(customer_id)

    def account(self, customer_id: str) -> Account | None:
        balance = sum(a for c, a, _d, _doc in self.ledger if c == customer_id)
        limit = self.limits.get(customer_id, 0)
        return Account(limit > 0, limit, balance) if limit or balance else None

    def save_customer(self, customer_id: str, name: str, rut: str, phone: str, address: str, notes: str,
                      user_id: str) -> str:
        assert user_id == "ana"
        if any(p.rut == rut and p.customer_id != customer_id for p in self.people.values() if rut):
            raise errors.InvalidInput(f"ya hay un cliente con el RUT {rut}")
        new_id = customer_id or f"c{len(self.people) + 1}"
        self.people[new_id] = Person(new_id, name, rut, phone, address, notes)
        return new_id

    def pay(self, customer_id: str, kind: str, amount: int, received: int, shift_id: str, cashier_id: str) -> str:
        account = self.account(customer_id)
        if self.refuse_overpayment and (account is None or amount > account.balance):
            raise errors.InvalidAmount(str(amount), "el abono supera la deuda")
        self.paid.append(fiado.PaymentRecord(f"p{len(self.paid) + 1}", "2026-12-07T18:04:00+00:00", kind, amount))
        self.ledger.append((customer_id, -amount, date(2026, 12, 7), f"Abono en {TenderKind(kind).label.lower()}"))
        return self.drawer_problem

    def payments(self, customer_id: str) -> Sequence[fiado.PaymentRecord]:
        return list(reversed(self.paid))

    def reverse(self, payment_id: str, pin: str, reason: str, shift_id: str, cashier_id: str) -> str:
        if pin != "9999":
            raise errors.WrongPin("supervisor-pin", 1)
        found = next(p for p in self.paid if p.payment_id == payment_id)
        if found.reversed:
            raise errors.InvalidInput("ese abono ya fue reversado")
        self.paid[self.paid.index(found)] = fiado.PaymentRecord(found.payment_id, found.at, found.kind, found.amount,
                                                                True)
        self.ledger.append(("c1", found.amount, date(2026, 12, 7), f"Reversa de abono: {reason}"))
        return ""

    def statement(self, customer_id: str, start: date, end: date) -> fiado.StatementRecord:
        mine = [(a, d, doc) for c, a, d, doc in self.ledger if c == customer_id]
        opening = sum(a for a, d, _doc in mine if d < start)
        lines, running = [], opening
        for a, d, doc in mine:
            if start <= d <= end:
                running += a
                lines.append(fiado.StatementLine(d, doc, max(a, 0), max(-a, 0), running))
        return fiado.StatementRecord(opening, tuple(lines), running)

    def print_statement(self, customer_id: str, start: date, end: date) -> None:
        self.printed.append((customer_id, start, end))


def sample_desk() -> Desk:
    d = Desk()
    d.people["c1"] = Person("c1", "María Pérez", "12345678-5", "9 8765 4321", "Los Aromos 12")
    d.people["c2"] = Person("c2", "Mario Soto", "", "9 1111 2222")
    d.limits["c1"] = 50_000
    d.ledger += [("c1", 8_000, date(2026, 11, 20), "Boleta N° 10"), ("c1", 4_300, date(2026, 12, 2), "Boleta N° 31")]
    return d


