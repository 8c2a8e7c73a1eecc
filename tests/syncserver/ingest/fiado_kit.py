"""Helpers for the master's fiado tests: tills of stores centro and norte that journal customers, sales on credit,
payments, reversals and returns credited to the account (each at the time given), and the master's rows read back."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from shared import fiado as ledger
from shared import money
from shared.events import envelope, returns, sales
from shared.events import fiado as ev
from syncserver.store import change_feed
from tests.syncserver.dte.folio_kit import CODEC, Db, Till

FOLDED = ("people", "customer_aliases", "fiado_accounts", "fiado_entries", "fiado_payments", "fiado_balances",
          "fiado_flags", "fiado_settings")
RUT_JUANA = "12345678-5"


def record(till: Till, event: Any, at: str = "2026-11-22T10:00:00-03:00") -> envelope.Envelope:
    """Journal ``event`` at ``at`` (not sent until the till pushes); returns its entry."""
    type_, version, payload = CODEC.encode(event)
    prev = till.journal[-1].hash if till.journal else envelope.GENESIS_HASH
    entry = envelope.seal(event_id=str(uuid.uuid4()), tenant_id=till.tenant_id, store_id=till.store_id,
                          terminal_id=till.terminal_id, epoch=till.epoch, seq=len(till.journal) + 1,
                          occurred_at=at, type=type_, version=version, payload=payload, prev_hash=prev)
    till.journal.append(entry)
    return entry


def profile(customer_id: str, name: str, rut: str = "", phone: str = "") -> ev.CustomerProfileSaved:
    return ev.CustomerProfileSaved(customer_id, name, rut, phone, "", "", "ana")


def account(customer_id: str, limit: int) -> ev.FiadoAccountSet:
    return ev.FiadoAccountSet(customer_id, True, limit, "ana")


_numbers = iter(range(1, 10**6))


def fiado_sale(customer_id: str, amount: int, *, cash: int = 0, balance_before: int = 0, limit: int = 0,
               approved_by: str = "") -> sales.SaleCompleted:
    """A sale without document of ``amount + cash`` CLP: ``amount`` on the customer's account, ``cash`` paid."""
    total = amount + cash
    split = money.split_iva(total)
    line = sales.LineSold(1, "PAN-1", "Pan", total, Decimal(1), "unit", False, 0, total)
    tenders = ((sales.TenderTaken("cash", cash, cash),) if cash else ()) + (sales.TenderTaken("fiado", amount, amount),)
    return sales.SaleCompleted(str(uuid.uuid4()), next(_numbers), "s1", "ana", (line,), 0, total, total, 0, split.neto,
                               split.iva, tenders, 0, 0, customer_id=customer_id,
                               fiado=ev.FiadoCharge(amount, balance_before, limit, approved_by))


def paid(customer_id: str, amount: int, payment_id: str | None = None) -> ev.FiadoPaid:
    return ev.FiadoPaid(payment_id or str(uuid.uuid4()), customer_id, "s1", "ana", "cash", amount, amount, 0)


def reversed_(payment_id: str, customer_id: str, amount: int, reversal_id: str | None = None
              ) -> ev.FiadoPaymentReversed:
    return ev.FiadoPaymentReversed(reversal_id or str(uuid.uuid4()), payment_id, customer_id, "s1", "pepe",
                                   "abono mal digitado", "cash", amount)


def fiado_return(sale: sales.SaleCompleted) -> returns.ReturnCompleted:
    """The whole of ``sale`` returned, credited to its customer's account."""
    line = sale.lines[0]
    return returns.ReturnCompleted(
        str(uuid.uuid4()), sale.sale_id, "s1", "ana", "pepe", "producto vencido",
        (returns.LineReturned(1, line.sku, line.name, line.unit_price, line.quantity, line.sold_by, False,
                              line.amount),), sale.total, sale.neto, sale.iva, 0,
        (sales.TenderTaken("fiado", sale.total, sale.total),), 39, 900 + sale.number, True,
        customer_id=sale.customer_id)


def balances(data: Db) -> dict[str, int]:
    return {str(r[0]): int(r[1]) for r in data.rows("SELECT customer_id, balance FROM fiado_balances")}


def entries(data: Db) -> list[ledger.Entry]:
    return [ledger.Entry(str(r[0]), str(r[1]), str(r[2]), int(r[3]), str(r[4]), str(r[5]), str(r[6]), str(r[7]),
                         ledger.utc_at(r[8].isoformat()), str(r[9]), str(r[10])) for r in data.rows(
        "SELECT entry_id, customer_id, kind, amount, store_id, terminal_id, document, reference, at, reverses,"
        " counter_account FROM fiado_entries ORDER BY at, entry_id")]


def aliases(data: Db) -> dict[str, str]:
    return {str(r[0]): str(r[1]) for r in data.rows("SELECT alias_id, customer_id FROM customer_aliases")}


def dump(data: Db) -> dict[str, list[tuple[Any, ...]]]:
    """Every fiado table, sorted (to compare a rebuild with the live fold)."""
    return {t: sorted((tuple(r) for r in data.rows(f"SELECT * FROM {t}")), key=repr) for t in FOLDED}


def feed(data: Db, store_id: str = "centro", tenant_id: int = 1,
         kinds: tuple[str, ...] = ("customer", "fiado_entry")) -> list[dict[str, Any]]:
    """The changes of ``kinds`` (``customer`` and ``fiado_entry`` unless told) ``store_id``'s tills pull, in order."""
    changes, _ = data.run(lambda pool: change_feed.pull(pool, tenant_id, store_id, 0, 10_000))
    return [c for c in changes if c["kind"] in kinds]


def quarantined(data: Db) -> list[tuple[str, str]]:
    return [(str(r[0]), str(r[1])) for r in data.rows("SELECT type, reason FROM quarantine ORDER BY received_at,"
                                                      " terminal_id, seq")]
