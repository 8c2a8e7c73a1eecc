"""Read models of ``purchase.received``: suppliers, purchases and their lines (the stock the goods add and their
cost are folded with every other movement by ``inventory_projection.fold``, which also keeps ``product_costs``).

``apply`` runs inside the unit of work that appends the event (``desktop.journal.projections`` calls it), so a
purchase and its stock and cost are committed together, and a rebuild folds them again in journal order.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from decimal import Decimal

from shared import errors as pos_errors
from shared.events import envelope
from shared.events import purchases as events

TABLES = ("suppliers", "purchases", "purchase_lines", "product_costs", "warehouse_stock")
"""Projection tables of purchases (cleared and refolded by ``rebuild-projections``, covered by its digest)."""
MILLI = Decimal(1000)


class PurchaseAlreadyRegistered(pos_errors.PosError):
    """The same supplier document (RUT, tipo, folio) registered before: nothing is journaled."""

    def __init__(self, rut: str, tipo: int, folio: int, registered_at: str) -> None:
        super().__init__(f"el documento tipo {tipo} N° {folio} del RUT {rut} ya se registró el "
                         f"{format_when(registered_at)}")
        self.rut, self.tipo, self.folio, self.registered_at = rut, tipo, folio, registered_at


def format_when(iso: str) -> str:
    """``2025-07-03T16:31:42.120-04:00`` → ``03-07-2025 16:31`` (how the till shows dates)."""
    day, _, time = iso.partition("T")
    parts = day.split("-")
    if len(parts) != 3:
        return iso
    return f"{parts[2]}-{parts[1]}-{parts[0]}" + (f" {time[:5]}" if time else "")


def _milli(quantity: Decimal) -> int:
    return int(quantity * MILLI)


def on_hand(conn: sqlite3.Connection, sku: str) -> Decimal:
    """Units or kg of ``sku`` this till knows of, in every warehouse (may be negative)."""
    row = conn.execute("SELECT COALESCE((SELECT quantity FROM stock WHERE sku = ?), 0) + COALESCE((SELECT"
                       " SUM(quantity) FROM warehouse_stock WHERE sku = ?), 0)", (sku, sku)).fetchone()
    return Decimal(row[0]) / MILLI


def apply(conn: sqlite3.Connection, entry: envelope.Envelope, e: events.PurchaseReceived) -> None:
    """Fold one purchase. Raises: PurchaseAlreadyRegistered (the transaction must then roll back)."""
    seen = registered(conn, e.supplier.rut, e.tipo, e.folio)
    if seen is not None:
        raise PurchaseAlreadyRegistered(e.supplier.rut, e.tipo, e.folio, seen.registered_at)
    conn.execute("INSERT INTO suppliers (rut, razon_social, giro) VALUES (?, ?, ?) ON CONFLICT (rut) DO UPDATE"
                 " SET razon_social = excluded.razon_social, giro = excluded.giro",
                 (e.supplier.rut, e.supplier.razon_social, e.supplier.giro))
    conn.execute("INSERT INTO purchases (purchase_id, supplier_rut, tipo, folio, fecha_emision, warehouse, neto,"
                 " exento, iva, other_taxes, total, moves_stock, digest, registered_at, registered_by, epoch, seq)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (e.purchase_id, e.supplier.rut, e.tipo, e.folio, e.fecha_emision, e.warehouse, e.neto, e.exento,
                  e.iva, e.other_taxes, e.total, e.moves_stock, e.digest, entry.occurred_at, e.registered_by,
                  entry.epoch, entry.seq))
    conn.executemany("INSERT INTO purchase_lines (purchase_id, line_no, code, ean, name, quantity, unit, unit_cost,"
                     " amount, cost, exento, sku, matched_by, package_factor)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [(e.purchase_id, x.line_no, x.code, x.ean, x.name, _milli(x.quantity), x.unit, x.unit_cost,
                       x.amount, x.cost, x.exento, x.sku, x.matched_by, str(x.package_factor)) for x in e.lines])


# --- queries ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Registered:
    """A registered document: its purchase, when (journal time, ISO) and by whom."""

    purchase_id: str
    registered_at: str
    registered_by: str


def registered(conn: sqlite3.Connection, rut: str, tipo: int, folio: int) -> Registered | None:
    row = conn.execute("SELECT purchase_id, registered_at, registered_by FROM purchases WHERE supplier_rut = ?"
                       " AND tipo = ? AND folio = ?", (rut, tipo, folio)).fetchone()
    return None if row is None else Registered(row[0], row[1], row[2])


@dataclass(frozen=True, slots=True)
class PreviousFactor:
    """The package factor a supplier's item had when last registered here, and the document it came from."""

    factor: Decimal
    tipo: int
    folio: int


def previous_factor(conn: sqlite3.Connection, rut: str, sku: str, code: str, name: str, *,
                    purchase_id: str | None = None) -> PreviousFactor | None:
    """The factor of the latest registered line of supplier ``rut`` matched to ``sku`` for the same item: the same
    description (case and spacing aside: "CJ 12 x 1 L" and "1 L" of one EAN are different items) and, when the line
    has a supplier ``code``, the same code; only in ``purchase_id`` when given (the document a nota references).
    None when there is none. (An EAN is not enough: a box and its units share the unit's GTIN.)"""
    only = " AND p.purchase_id = ?" if purchase_id is not None else ""
    extra = (purchase_id,) if purchase_id is not None else ()
    wanted = _item_name(name)
    for factor, tipo, folio, line_name, line_code in conn.execute(
            "SELECT l.package_factor, p.tipo, p.folio, l.name, l.code FROM purchase_lines l JOIN purchases p"
            f" USING (purchase_id) WHERE p.supplier_rut = ? AND l.sku = ?{only}"
            " ORDER BY p.epoch DESC, p.seq DESC, l.line_no", (rut, sku, *extra)):
        if _item_name(str(line_name)) == wanted and (not code or line_code == code):
            return PreviousFactor(Decimal(factor), int(tipo), int(folio))
    return None


def _item_name(name: str) -> str:
    return " ".join(name.casefold().split())


def product_cost(conn: sqlite3.Connection, sku: str) -> tuple[Decimal, int] | None:
    """``(average cost, last unit cost)`` of ``sku`` in CLP neto, or None when it was never costed."""
    row = conn.execute("SELECT avg_cost, last_cost FROM product_costs WHERE sku = ?", (sku,)).fetchone()
    return None if row is None else (Decimal(row[0]), int(row[1]))


def warehouse_stock(conn: sqlite3.Connection, warehouse: str, sku: str) -> Decimal:
    row = conn.execute("SELECT quantity FROM warehouse_stock WHERE warehouse_id = ? AND sku = ?",
                       (warehouse, sku)).fetchone()
    return Decimal(row[0] if row else 0) / MILLI
