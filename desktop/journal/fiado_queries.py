"""Queries on the till's customers and fiado read models (``fiado_projection``): find a customer, their account
and balance, statement pages, the list of balances, a payment to reverse, the store's settings.

Amounts are int CLP (``balance`` > 0: the customer owes; < 0: saldo a favor). Times are the ledger's UTC text
(``shared.fiado.utc_at``); days are the store's calendar days (Chile, ``shared.fiado.CHILE``). A customer merged
into another at the master answers as the survivor, with both histories.
"""

from __future__ import annotations

import gc
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from desktop.journal import fiado_projection
from shared import errors, text_fold
from shared import fiado as fiado_mod

OVERDUE_DAYS = 30
"""A customer is overdue when their oldest unpaid charge is more than this many days old (``balances``)."""


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer's profile as the till knows it (``source``: ``till`` saved here, ``master`` received)."""

    customer_id: str
    name: str
    rut: str
    phone: str
    address: str
    notes: str
    active: bool
    source: str


@dataclass(frozen=True, slots=True)
class Account:
    """A customer's fiado: ``enabled`` with ``limit`` CLP (0 never set), ``balance`` CLP, ``headroom`` what may
    still be charged within the limit (``limit - balance``, 0 when disabled or over), ``oldest_unpaid_at`` (UTC
    ISO text, "" none), ``charged_offline`` what this till charged them since its last successful pull."""

    customer_id: str
    enabled: bool
    limit: int
    balance: int
    headroom: int
    oldest_unpaid_at: str
    charged_offline: int
    entries: int


@dataclass(frozen=True, slots=True)
class StatementPage:
    """``rows`` of a statement from ``start`` to ``end`` (``shared.fiado.StatementLine``: day, document, cargo,
    abono, running balance, kind, entry_id, at): ``opening`` the balance before ``start``, ``more`` whether rows
    follow (ask again with ``after=(rows[-1].at, rows[-1].entry_id)``)."""

    opening: int
    rows: tuple[fiado_mod.StatementLine, ...]
    more: bool


@dataclass(frozen=True, slots=True)
class BalanceRow:
    """A customer in the back office's list: profile, account, balance, ``oldest_unpaid_at`` (UTC text, "" none)
    and ``overdue_days`` (Chile calendar days since it, ``shared.fiado.overdue_days``; None when nothing is
    unpaid); ``flags`` the master's open flags on it (Spanish texts, :func:`flags`)."""

    customer_id: str
    name: str
    rut: str
    phone: str
    active: bool
    enabled: bool
    limit: int
    balance: int
    headroom: int
    oldest_unpaid_at: str
    overdue_days: int | None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment (abono) that may be reversed: the tender ``kind`` (cash, debit, credit, transfer), ``amount``
    credited, ``received`` handed over, and whether it was reversed already (``reversal_id``)."""

    payment_id: str
    entry_id: str
    customer_id: str
    kind: str
    amount: int
    received: int
    shift_id: str
    at: str
    reversed: bool
    reversal_id: str


@dataclass(frozen=True, slots=True)
class Settings:
    """The store's fiado settings (``shared.events.fiado.FiadoSettingsSet``); until a manager sets them, no fiado
    offline without a supervisor and a payment over the balance is refused."""

    offline_allowance: int = 0
    overpayment: str = "refuse"
    set_by: str = ""
    set_at: str = ""


_PERSON = "p.customer_id, p.name, p.rut, p.phone, p.address, p.notes, p.active, p.source"


def _person(r: tuple[object, ...]) -> Customer:
    return Customer(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]), bool(r[6]), str(r[7]))


def _match(text: str) -> tuple[str, list[object]]:
    """SQL condition (on ``p``) and parameters matching ``text``: every word starts a word of the name, or the
    text's digits (and K) appear in the RUT or the phone."""
    words = text_fold.words(text)
    if not words:
        return "1", []
    name = " AND ".join(["(' ' || p.name_fold) LIKE ?"] * len(words))
    params: list[object] = [f"% {w}%" for w in words]
    joined = "".join(words)
    if any(c.isdigit() for c in joined):
        digits = "".join(c for c in joined if c.isdigit())
        return f"(({name}) OR p.rut_key LIKE ? OR p.phone_key LIKE ?)", [*params, f"%{joined}%", f"%{digits}%"]
    return f"({name})", params


def find_customers(conn: sqlite3.Connection, text: str, limit: int = 20, *,
                   include_inactive: bool = False) -> list[Customer]:
    """Customers whose name has words starting with each word of ``text`` (case and accents aside), or whose RUT
    (with or without dots and dash) or phone digits contain ``text``'s; by name. ``""`` lists them all."""
    where, params = _match(text)
    active = "" if include_inactive else " AND p.active = 1"
    rows = conn.execute(f"SELECT {_PERSON} FROM people p WHERE {where}{active} ORDER BY p.name_fold, p.customer_id"
                        " LIMIT ?", (*params, limit)).fetchall()
    return [_person(r) for r in rows]


def customer(conn: sqlite3.Connection, customer_id: str) -> Customer | None:
    """The customer ``customer_id`` (the survivor when it was merged into another), or None when unknown."""
    row = conn.execute(f"SELECT {_PERSON} FROM people p WHERE p.customer_id = ?",
                       (fiado_projection.survivor(conn, customer_id),)).fetchone()
    return None if row is None else _person(row)


def account(conn: sqlite3.Connection, customer_id: str) -> Account:
    """The fiado account of ``customer_id`` (the survivor's when merged): disabled with limit 0 and balance 0 when
    nothing was set or charged."""
    target = fiado_projection.survivor(conn, customer_id)
    row = conn.execute(
        "SELECT a.enabled, a.credit_limit, b.balance, b.oldest_unpaid_at, b.charged_offline_since_pull, b.entries"
        " FROM (SELECT ? AS customer_id) k LEFT JOIN fiado_accounts a ON a.customer_id = k.customer_id"
        " LEFT JOIN fiado_balances b ON b.customer_id = k.customer_id", (target,)).fetchone()
    enabled, limit = bool(row[0]), int(row[1] or 0)
    balance = int(row[2] or 0)
    headroom = max(limit - balance, 0) if enabled else 0
    return Account(target, enabled, limit, balance, headroom, str(row[3] or ""), int(row[4] or 0), int(row[5] or 0))


def day_bounds(start: date, end: date) -> tuple[str, str]:
    """The ledger's UTC text of the store's midnight (Chile) starting ``start`` and of the one after ``end``."""
    low = datetime.combine(start, time.min, fiado_mod.CHILE)
    high = datetime.combine(end + timedelta(days=1), time.min, fiado_mod.CHILE)
    return fiado_mod.utc_at(low.isoformat()), fiado_mod.utc_at(high.isoformat())


class _Days:
    """The store's calendar day (Chile) of a ledger time, decoded once per UTC hour (offsets are whole hours)."""

    def __init__(self) -> None:
        self.hours: dict[str, date] = {}

    def __call__(self, at: str) -> date:
        day = self.hours.get(at[:13])
        if day is None:
            day = self.hours[at[:13]] = fiado_mod.local_date(at[:13] + ":00:00+00:00")
        return day


def _ids_filter(ids: list[str]) -> str:
    return "customer_id = ?" if len(ids) == 1 else f"customer_id IN ({', '.join('?' * len(ids))})"


def opening(conn: sqlite3.Connection, customer_id: str, start: date) -> int:
    """The balance of ``customer_id`` (with its aliases) before the day ``start``."""
    ids = fiado_projection.ids_of(conn, fiado_projection.survivor(conn, customer_id))
    low, _ = day_bounds(start, start)
    return int(conn.execute(f"SELECT COALESCE(SUM(amount), 0) FROM fiado_entries WHERE {_ids_filter(ids)}"
                            " AND at < ?", (*ids, low)).fetchone()[0])


def statement_page(conn: sqlite3.Connection, customer_id: str, start: date, end: date,
                   after: tuple[str, str] | None = None, limit: int = 200) -> StatementPage:
    """The entries of ``customer_id`` (and its aliases) from ``start`` to ``end`` (both included) in ledger order
    (``at``, ``entry_id``) with the running balance, ``limit`` at a time after the key ``after``
    (``(at, entry_id)`` of the last row of the page before)."""
    ids = fiado_projection.ids_of(conn, fiado_projection.survivor(conn, customer_id))
    low, high = day_bounds(start, end)
    before = opening(conn, customer_id, start)
    running = before
    if after is not None:
        running += int(conn.execute(
            f"SELECT COALESCE(SUM(amount), 0) FROM fiado_entries WHERE {_ids_filter(ids)} AND at >= ?"
            " AND (at < ? OR (at = ? AND entry_id <= ?))", (*ids, low, after[0], after[0], after[1])).fetchone()[0])
        low_key, cond = after, "AND (at > ? OR (at = ? AND entry_id > ?))"
        params: tuple[object, ...] = (*ids, high, low_key[0], low_key[0], low_key[1], limit + 1)
    else:
        cond = "AND at >= ?"
        params = (*ids, high, low, limit + 1)
    rows = conn.execute(
        f"SELECT entry_id, at, kind, document, amount FROM fiado_entries"
        f" WHERE {_ids_filter(ids)} AND at < ? {cond} ORDER BY at, entry_id LIMIT ?", params).fetchall()
    days = _Days()
    out: list[fiado_mod.StatementLine] = []
    for entry_id, at, kind, document, amount in rows[:limit]:
        running += amount
        out.append(fiado_mod.StatementLine(days(at), document, max(amount, 0), max(-amount, 0), running, kind,
                                           entry_id, at))
    return StatementPage(before, tuple(out), len(rows) > limit)


def statement(conn: sqlite3.Connection, customer_id: str, start: date, end: date) -> fiado_mod.Statement:
    """The estado de cuenta of ``customer_id`` (and its aliases) from ``start`` to ``end`` (both included): the
    opening balance, every movement with its running balance, the closing balance, as ``shared.fiado.statement``
    gives it from the same entries.

    Raises:
        InvalidInput: ``start`` after ``end``.
    """
    if start > end:
        raise errors.InvalidInput(f"la fecha inicial ({start:%d-%m-%Y}) es posterior a la final ({end:%d-%m-%Y})")
    ids = fiado_projection.ids_of(conn, fiado_projection.survivor(conn, customer_id))
    low, high = day_bounds(start, end)
    before = opening(conn, customer_id, start)
    days = _Days()
    known = days.hours
    line = fiado_mod.StatementLine
    running = before
    lines: list[fiado_mod.StatementLine] = []
    add = lines.append
    collecting = gc.isenabled()
    gc.disable()  # thousands of new rows and lines, no cycle among them: the cyclic collector would only walk the heap
    try:
        for at, document, amount, kind, entry_id in conn.execute(
                f"SELECT at, document, amount, kind, entry_id FROM fiado_entries WHERE {_ids_filter(ids)}"
                " AND at >= ? AND at < ? ORDER BY at, entry_id", (*ids, low, high)).fetchall():
            running += amount
            day = known.get(at[:13]) or days(at)
            if amount >= 0:
                add(line(day, document, amount, 0, running, kind, entry_id, at))
            else:
                add(line(day, document, 0, -amount, running, kind, entry_id, at))
    finally:
        if collecting:
            gc.enable()
    return fiado_mod.Statement(start, end, before, tuple(lines), running)


def balances(conn: sqlite3.Connection, search: str = "", only_with_balance: bool = False,
             overdue_only: bool = False, *, limit: int = 200, now: datetime | None = None,
             overdue_after: int = OVERDUE_DAYS, include_inactive: bool = False) -> list[BalanceRow]:
    """Customers matching ``search`` (as :func:`find_customers`) with their account and balance, most owed first:
    only those owing or holding saldo a favor (``only_with_balance``), only those whose oldest unpaid charge is
    more than ``overdue_after`` days old (``overdue_only``; days counted to ``now``'s day in Chile)."""
    today = (now or datetime.now(UTC)).astimezone(fiado_mod.CHILE).date()
    where, params = _match(search)
    filters = [where]
    if not include_inactive:
        filters.append("p.active = 1")
    if only_with_balance:
        filters.append("COALESCE(b.balance, 0) <> 0")
    if overdue_only:
        filters.append("b.oldest_unpaid_at IS NOT NULL AND b.oldest_unpaid_at < ?")
        params.append(day_bounds(today - timedelta(days=overdue_after), today)[0])
    rows = conn.execute(
        "SELECT p.customer_id, p.name, p.rut, p.phone, p.active, COALESCE(a.enabled, 0), COALESCE(a.credit_limit, 0),"
        " COALESCE(b.balance, 0), b.oldest_unpaid_at, f.flags FROM people p"
        " LEFT JOIN fiado_accounts a ON a.customer_id = p.customer_id"
        " LEFT JOIN fiado_balances b ON b.customer_id = p.customer_id"
        " LEFT JOIN customer_flags f ON f.customer_id = p.customer_id"
        f" WHERE {' AND '.join(filters)} ORDER BY COALESCE(b.balance, 0) DESC, p.name_fold, p.customer_id LIMIT ?",
        (*params, limit)).fetchall()
    out: list[BalanceRow] = []
    for r in rows:
        enabled, limit_, balance, oldest = bool(r[5]), int(r[6]), int(r[7]), str(r[8] or "")
        days = max(0, (today - fiado_mod.local_date(oldest)).days) if oldest else None
        out.append(BalanceRow(r[0], r[1], r[2], r[3], bool(r[4]), enabled, limit_, balance,
                              max(limit_ - balance, 0) if enabled else 0, oldest, days, _flags(r[9])))
    return out


def _flags(stored: object) -> tuple[str, ...]:
    return tuple(str(f) for f in json.loads(str(stored))) if stored else ()


def flags(conn: sqlite3.Connection, customer_id: str) -> tuple[str, ...]:
    """The master's open flags on ``customer_id`` (Spanish texts, oldest first; ``CustomerReceived.flags`` as last
    pulled): over the limit because of charges from different terminals, a merge of two cards with balances."""
    row = conn.execute("SELECT flags FROM customer_flags WHERE customer_id = ?", (customer_id,)).fetchone()
    return _flags(row[0]) if row else ()


_PAYMENT = ("SELECT p.payment_id, p.entry_id, p.customer_id, p.kind, p.amount, p.received, p.shift_id, p.at,"
            " p.reversal_id, EXISTS (SELECT 1 FROM fiado_entries r WHERE r.reverses <> '' AND r.kind = 'reverso'"
            " AND r.reverses IN (p.entry_id, p.payment_id)) FROM fiado_payments p")


def _payment(r: tuple[object, ...]) -> Payment:
    reversal = str(r[8])
    return Payment(str(r[0]), str(r[1]), str(r[2]), str(r[3]), int(str(r[4])), int(str(r[5])), str(r[6]), str(r[7]),
                   bool(reversal) or bool(r[9]), reversal)


def payment(conn: sqlite3.Connection, payment_id: str) -> Payment | None:
    """The payment ``payment_id`` taken at this till, or one taken at another terminal that the master forwarded
    (its ``abono`` entry: tender from its counter account ``caja:<kind>``, shift unknown here, ``received`` = the
    amount); None when unknown here or the id of a reversal."""
    row = conn.execute(f"{_PAYMENT} WHERE p.payment_id = ?", (payment_id,)).fetchone()
    if row is not None:
        return _payment(row)
    entry = conn.execute(
        "SELECT e.entry_id, e.customer_id, e.counter_account, -e.amount, e.at, (SELECT r.reference FROM"
        " fiado_entries r WHERE r.reverses <> '' AND r.kind = 'reverso' AND r.reverses IN (e.entry_id, e.reference)"
        " LIMIT 1)"
        " FROM fiado_entries e WHERE e.reference = ? AND e.kind = 'abono' LIMIT 1", (payment_id,)).fetchone()
    if entry is None:
        return None
    kind = str(entry[2]).partition(":")[2]
    reversal = str(entry[5] or "")
    return Payment(payment_id, str(entry[0]), str(entry[1]), kind, int(entry[3]), int(entry[3]), "", str(entry[4]),
                   bool(reversal), reversal)


def payments(conn: sqlite3.Connection, customer_id: str, limit: int = 20) -> list[Payment]:
    """The latest payments of ``customer_id`` (and its aliases), taken here or forwarded by the master from
    another terminal, newest first."""
    ids = fiado_projection.ids_of(conn, fiado_projection.survivor(conn, customer_id))
    found = [_payment(r) for r in conn.execute(
        f"{_PAYMENT} WHERE p.{_ids_filter(ids)} ORDER BY p.at DESC, p.payment_id DESC LIMIT ?", (*ids, limit))]
    for (reference,) in conn.execute(
            f"SELECT reference FROM fiado_entries WHERE {_ids_filter(ids)} AND kind = 'abono' AND epoch = 0"
            " ORDER BY at DESC, entry_id DESC LIMIT ?", (*ids, limit)).fetchall():
        other = payment(conn, str(reference))
        if other is not None and other.payment_id not in {x.payment_id for x in found}:
            found.append(other)
    found.sort(key=lambda x: (x.at, x.payment_id), reverse=True)
    return found[:limit]


def settings(conn: sqlite3.Connection) -> Settings:
    """The store's fiado settings as last set (the defaults of :class:`Settings` before)."""
    row = conn.execute("SELECT offline_allowance, overpayment, set_by, set_at FROM fiado_settings WHERE id = 1"
                       ).fetchone()
    return Settings() if row is None else Settings(int(row[0]), str(row[1]), str(row[2]), str(row[3]))


def last_pull(conn: sqlite3.Connection) -> str:
    """When this till last pulled from the master successfully (its clock, ISO), "" never."""
    row = conn.execute("SELECT value FROM sync_state WHERE key = ?", (fiado_projection.PULLED_AT,)).fetchone()
    return "" if row is None else str(row[0])
