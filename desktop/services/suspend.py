"""Suspended sales (Suspender / Recuperar): carts put aside with their customer, several at once, kept in the
journal file across a restart (``desktop.journal.suspended_sales``, working state); a suspended sale holds no folio
(a folio is taken only when a sale completes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from desktop.journal import fiado_queries, suspended_sales
from desktop.journal.sqlite_store import SqliteJournal, UnitOfWork
from shared import errors
from shared import sale as sale_mod
from shared.events import codec

LABEL_MAX = 40
"""Characters of a suspended sale's label (what the cashier types to find it: a name, "señora del pan")."""


@dataclass(frozen=True, slots=True)
class Suspended:
    """A sale put aside: ``suspended_id`` to recall it, ``label`` as typed (or the customer's name, or the time),
    ``total`` CLP, ``lines`` in the cart, ``customer_id`` ("" for none) and its name."""

    suspended_id: int
    label: str
    suspended_at: datetime
    total: int
    lines: int
    customer_id: str
    customer_name: str


def put_aside(uow: UnitOfWork, sale: sale_mod.Sale, customer_id: str, label: str, now: datetime) -> int:
    """Keep ``sale`` (and its customer) as a suspended sale in ``uow`` (the unit of work that saves the next, empty,
    cart); returns its id.

    Raises: EmptySale, InvalidInput (a label longer than :data:`LABEL_MAX`).
    """
    if not sale.lines:
        raise errors.EmptySale()
    label = " ".join(label.split())
    if len(label) > LABEL_MAX:
        raise errors.InvalidInput(f"el nombre de la venta suspendida tiene hasta {LABEL_MAX} letras")
    if not label:
        name = _name(uow.journal, customer_id)
        label = f"{name} · {now:%H:%M}" if name else f"Venta de las {now:%H:%M}"
    data = json.dumps({"sale": codec.to_payload(sale), "customer_id": customer_id}, ensure_ascii=False)
    return suspended_sales.suspend(uow.conn, data, label, customer_id, total=sale.totals().total, lines=len(sale.lines),
                                   at=now.isoformat(timespec="seconds"))


def listed(journal: SqliteJournal) -> list[Suspended]:
    """The suspended sales of this till, oldest first."""
    return [Suspended(row.suspended_id, row.label, datetime.fromisoformat(row.suspended_at), row.total, row.lines,
                      row.customer_id, _name(journal, row.customer_id))
            for row in suspended_sales.listed(journal.conn)]


def count(journal: SqliteJournal) -> int:
    """How many sales are suspended at this till."""
    return suspended_sales.count(journal.conn)


def take(uow: UnitOfWork, suspended_id: int) -> tuple[sale_mod.Sale, str]:
    """The sale and customer id of ``suspended_id``, no longer suspended once ``uow`` (the unit of work that saves
    them as the cart) commits.

    Raises: SaleError when no such sale is suspended (recalled already, or at another moment).
    """
    data = suspended_sales.take(uow.conn, suspended_id)
    if data is None:
        raise errors.SaleError("esa venta suspendida ya no está: otra persona la recuperó o se canceló")
    saved = json.loads(data)
    return codec.from_payload(sale_mod.Sale, saved["sale"]), str(saved.get("customer_id", ""))


def _name(journal: SqliteJournal, customer_id: str) -> str:
    if not customer_id:
        return ""
    found = fiado_queries.customer(journal.conn, customer_id)
    return "" if found is None else found.name
