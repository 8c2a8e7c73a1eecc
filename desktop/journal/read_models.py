"""Queries on the terminal's read models: product lookup and search, stock, shifts, sales, users."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime
from decimal import Decimal
from typing import Any

from desktop.journal import archive, projections
from shared import catalog
from shared import shift as shift_mod
from shared.events import codec
from shared.events import emisor as emisor_events
from shared.events import stores as store_events

_PRODUCT_COLUMNS = "p.sku, p.name, p.price, p.category, p.sold_by, p.plu, p.brand, p.iva_exempt, p.favourite, p.active"


def _product(conn: sqlite3.Connection, row: tuple[Any, ...], with_barcodes: bool = True) -> catalog.Product:
    codes: tuple[str, ...] = ()
    if with_barcodes:
        codes = tuple(r[0] for r in conn.execute("SELECT code FROM barcodes WHERE sku = ?", (row[0],)))
    return catalog.Product(sku=row[0], name=row[1], price=row[2], category=row[3], sold_by=catalog.SoldBy(row[4]),
                           barcodes=codes, plu=row[5], brand=row[6], iva_exempt=bool(row[7]),
                           favourite=bool(row[8]), active=bool(row[9]))


def by_barcode(conn: sqlite3.Connection, code: str) -> catalog.Product | None:
    row = conn.execute(f"SELECT {_PRODUCT_COLUMNS} FROM barcodes b JOIN products p ON p.sku = b.sku"
                       " WHERE b.code = ? AND p.active", (code,)).fetchone()
    return None if row is None else _product(conn, row)


def by_sku(conn: sqlite3.Connection, sku: str) -> catalog.Product | None:
    """The product of ``sku``, exactly as written (the primary key's index) or else in any case (a scan)."""
    row = (conn.execute(f"SELECT {_PRODUCT_COLUMNS} FROM products p WHERE p.sku = ?", (sku,)).fetchone()
           or conn.execute(f"SELECT {_PRODUCT_COLUMNS} FROM products p WHERE p.sku = ? COLLATE NOCASE",
                           (sku,)).fetchone())
    return None if row is None else _product(conn, row)


def by_skus(conn: sqlite3.Connection, skus: list[str]) -> dict[str, catalog.Product]:
    """The products of ``skus`` (exact SKUs, active or not, without their barcodes) by SKU; unknown ones left out.
    One query per 500 SKUs: a count of thousands of lines reads its products at once."""
    found: dict[str, catalog.Product] = {}
    for start in range(0, len(skus), 500):
        chunk = skus[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        for row in conn.execute(f"SELECT {_PRODUCT_COLUMNS} FROM products p WHERE p.sku IN ({marks})", chunk):
            found[row[0]] = _product(conn, row, with_barcodes=False)
    return found


def by_plu(conn: sqlite3.Connection, plu: str) -> catalog.Product | None:
    row = conn.execute(f"SELECT {_PRODUCT_COLUMNS} FROM products p WHERE p.plu = ? AND p.active",
                       (plu.lstrip("0") or "0",)).fetchone()
    return None if row is None else _product(conn, row)


_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """The ``products_fts`` MATCH expression of what was typed: every word (hyphens and punctuation split words)
    as a prefix; the table's tokenizer folds case and accents. None when nothing searchable was typed."""
    words = _WORD.findall(text)
    return " ".join(f'"{w}"*' for w in words) if words else None


def search(conn: sqlite3.Connection, text: str, limit: int = 24) -> list[catalog.Product]:
    """Products whose name, brand or category contain words starting with every typed word (accents ignored)."""
    query = fts_query(text)
    if query is None:
        return []
    rows = conn.execute(
        f"SELECT {_PRODUCT_COLUMNS} FROM products_fts f JOIN products p ON p.rowid = f.rowid"
        " WHERE products_fts MATCH ? AND p.active ORDER BY p.favourite DESC, f.rank LIMIT ?",
        (query, limit)).fetchall()
    return [_product(conn, r, with_barcodes=False) for r in rows]


def categories(conn: sqlite3.Connection) -> list[str]:
    """The active products' categories in HQ's tab order (``catalog.categories_ordered``); those HQ did not order
    follow by name."""
    return [r[0] for r in conn.execute(
        "SELECT p.category FROM products p LEFT JOIN category_order o ON o.name = p.category WHERE p.active"
        " GROUP BY p.category ORDER BY o.position IS NULL, o.position, p.category")]


def in_category(conn: sqlite3.Connection, category: str, limit: int = 200) -> list[catalog.Product]:
    rows = conn.execute(f"SELECT {_PRODUCT_COLUMNS} FROM products p WHERE p.category = ? AND p.active"
                        " ORDER BY p.name LIMIT ?", (category, limit)).fetchall()
    return [_product(conn, r, with_barcodes=False) for r in rows]


def favourites(conn: sqlite3.Connection, limit: int = 48) -> list[catalog.Product]:
    """HQ's favourites (``favourite`` on each product), grouped by category in tab order, then by name."""
    rows = conn.execute(f"SELECT {_PRODUCT_COLUMNS} FROM products p LEFT JOIN category_order o ON o.name = p.category"
                        " WHERE p.favourite AND p.active ORDER BY o.position IS NULL, o.position, p.category, p.name"
                        " LIMIT ?", (limit,)).fetchall()
    return [_product(conn, r, with_barcodes=False) for r in rows]


def stock_on_hand(conn: sqlite3.Connection, sku: str) -> Decimal:
    """Units or kg on hand (may be negative: a sale is never blocked by stock, DESIGN.md §7)."""
    row = conn.execute("SELECT quantity FROM stock WHERE sku = ?", (sku,)).fetchone()
    return Decimal(row[0] if row else 0) / projections.MILLI


def shift(conn: sqlite3.Connection, shift_id: str) -> shift_mod.Shift | None:
    row = conn.execute("SELECT data FROM shifts WHERE shift_id = ?", (shift_id,)).fetchone()
    return None if row is None else codec.from_payload(shift_mod.Shift, json.loads(row[0]))


def open_shift(conn: sqlite3.Connection, cashier_id: str | None = None) -> shift_mod.Shift | None:
    """The open shift with the highest number (of ``cashier_id`` when given: a till with a drawer per cashier)."""
    if cashier_id is None:
        row = conn.execute("SELECT data FROM shifts WHERE state = 'open' ORDER BY number DESC LIMIT 1").fetchone()
    else:
        row = conn.execute("SELECT data FROM shifts WHERE state = 'open' AND json_extract(data, '$.cashier_id') = ?"
                           " ORDER BY number DESC LIMIT 1", (cashier_id,)).fetchone()
    return None if row is None else codec.from_payload(shift_mod.Shift, json.loads(row[0]))


def last_closed_shift(conn: sqlite3.Connection) -> shift_mod.Shift | None:
    """The closed shift of this terminal with the highest number (the one whose Z report printed last), if any."""
    row = conn.execute("SELECT data FROM shifts WHERE state = 'closed' ORDER BY number DESC LIMIT 1").fetchone()
    return None if row is None else codec.from_payload(shift_mod.Shift, json.loads(row[0]))


def shift_times(conn: sqlite3.Connection, shift_id: str) -> tuple[datetime | None, datetime | None]:
    """When the shift was opened and closed (the terminal's clock of its ``shift.opened``/``shift.closed`` entries;
    None for what has not happened). Reads the journal backwards from its end, so the latest shift is found fast."""
    times: list[datetime | None] = []
    for type_ in ("shift.opened", "shift.closed"):  # each on its own: a restore may have carried one of them over
        row = conn.execute("SELECT occurred_at FROM events WHERE type = ? AND json_extract(payload, '$.shift_id') = ?"
                           " ORDER BY epoch DESC, seq DESC LIMIT 1", (type_, shift_id)).fetchone()
        times.append(None if row is None else datetime.fromisoformat(str(row[0])))
    return times[0], times[1]


def last_shift_number(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(number), 0) FROM shifts").fetchone()[0])


def last_sale_number(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(number), 0) FROM sales").fetchone()[0])


def last_sale_id(conn: sqlite3.Connection) -> str | None:
    """The id of the sale with the highest number, or None before the first sale."""
    row = conn.execute("SELECT sale_id FROM sales ORDER BY number DESC LIMIT 1").fetchone()
    return None if row is None else str(row[0])


DOCUMENT_TYPES = ("sale.completed", "sale.returned", "shift.closed")
"""The journaled events that printed a paper a customer or the owner keeps: receipts, notas de crédito, Z reports."""


def recent_documents(conn: sqlite3.Connection, limit: int) -> list[tuple[str, int, dict[str, Any], str]]:
    """The last ``limit`` entries that printed a document (``DOCUMENT_TYPES``), newest first:
    ``(type, version, payload, occurred_at)``. Reads the journal backwards from its end."""
    marks = ", ".join("?" for _ in DOCUMENT_TYPES)
    rows = conn.execute(f"SELECT type, version, payload, occurred_at FROM events WHERE type IN ({marks})"
                        " ORDER BY epoch DESC, seq DESC LIMIT ?", (*DOCUMENT_TYPES, limit)).fetchall()
    return [(str(t), int(v), json.loads(p), str(at)) for t, v, p, at in rows]


def find_event(conn: sqlite3.Connection, type_: str, field: str, value: str
               ) -> tuple[str, int, dict[str, Any]] | None:
    """The latest entry of ``type_`` whose payload's ``field`` is ``value``: ``(type, version, payload)``; the
    journal's rows first, then its archive files (an entry older than the retention: ``archive.find_event``).

    Raises:
        ArchiveError: not in the rows, and an archive file is missing or unreadable.
    """
    row = conn.execute("SELECT type, version, payload FROM events WHERE type = ? AND json_extract(payload, ?) = ?"
                       " ORDER BY epoch DESC, seq DESC LIMIT 1", (type_, f"$.{field}", value)).fetchone()
    if row is None:
        return archive.find_event(conn, type_, field, value)
    return str(row[0]), int(row[1]), json.loads(row[2])


def active_product_names(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """``(sku, name)`` of every active product."""
    return [(r[0], r[1]) for r in conn.execute("SELECT sku, name FROM products WHERE active")]


def user(conn: sqlite3.Connection, user_id: str) -> tuple[str, str, str, bool] | None:
    """``(name, role, pin_hash, active)`` of a user."""
    row = conn.execute("SELECT name, role, pin_hash, active FROM users WHERE user_id = ?", (user_id,)).fetchone()
    return None if row is None else (row[0], row[1], row[2], bool(row[3]))


def users(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """``(user_id, name, role)`` of active users, by name."""
    return [(r[0], r[1], r[2]) for r in conn.execute(
        "SELECT user_id, name, role FROM users WHERE active ORDER BY name")]


def emisor(conn: sqlite3.Connection) -> emisor_events.EmisorReceived | None:
    """The latest emisor HQ published to this till; None while it has sent none."""
    row = conn.execute("SELECT rut, razon_social, giro, direccion, comuna, ciudad, sucursal_sii, resolucion_fecha,"
                       " resolucion_numero, unidad_sii FROM emisor WHERE id = 1").fetchone()
    if row is None:
        return None
    return emisor_events.EmisorReceived(rut=row[0], razon_social=row[1], giro=row[2], direccion=row[3],
                                        comuna=row[4], ciudad=row[5], sucursal_sii=row[6], resolucion_fecha=row[7],
                                        resolucion_numero=int(row[8]), unidad_sii=row[9])


def card_model(conn: sqlite3.Connection) -> emisor_events.CardModelReceived | None:
    """The «modelo de emisión» HQ last published to this till; None while it has published none."""
    row = conn.execute("SELECT model, set_by, set_at FROM card_model WHERE id = 1").fetchone()
    if row is None:
        return None
    return emisor_events.CardModelReceived(model=row[0], set_by=row[1], set_at=row[2])


def store(conn: sqlite3.Connection, store_id: str) -> store_events.StoreReceived | None:
    """The latest data HQ published for store ``store_id``; None while it has sent none."""
    row = conn.execute("SELECT store_id, name, direccion, comuna, ciudad, sucursal_sii, active FROM stores"
                       " WHERE store_id = ?", (store_id,)).fetchone()
    if row is None:
        return None
    return store_events.StoreReceived(store_id=row[0], name=row[1], direccion=row[2], comuna=row[3], ciudad=row[4],
                                      sucursal_sii=row[5], active=bool(row[6]))


def pin_failures(conn: sqlite3.Connection, user_id: str) -> tuple[int, str]:
    row = conn.execute("SELECT failures, locked_until FROM pin_failures WHERE user_id = ?", (user_id,)).fetchone()
    return (row[0], row[1]) if row else (0, "")


def draft(conn: sqlite3.Connection) -> dict[str, Any] | None:
    row = conn.execute("SELECT data FROM draft_cart WHERE id = 1").fetchone()
    return None if row is None else dict(json.loads(row[0]))


def sale_event_seq(conn: sqlite3.Connection, sale_id: str) -> tuple[int, int] | None:
    """``(epoch, seq)`` of the journal entry that completed ``sale_id``."""
    row = conn.execute("SELECT epoch, seq FROM sales WHERE sale_id = ?", (sale_id,)).fetchone()
    return None if row is None else (row[0], row[1])


def print_queue(conn: sqlite3.Connection) -> list[tuple[str, str, int, str]]:
    """Receipts not yet printed: ``(sale_id, state, attempts, error)``, oldest first."""
    rows = conn.execute("SELECT q.sale_id, q.state, q.attempts, q.error, s.number FROM print_queue q"
                        " INDEXED BY print_queue_waiting JOIN sales s ON s.sale_id = q.sale_id"
                        " WHERE q.state != 'printed'").fetchall()
    return [(r[0], r[1], r[2], r[3]) for r in sorted(rows, key=lambda r: r[4])]


def folio_leases(conn: sqlite3.Connection, tipo: int, epoch: int | None = None) -> list[tuple[int, int, str]]:
    """``(desde, hasta, caf_xml)`` of every range of ``tipo`` leased to this terminal, lowest first; with ``epoch``
    only those usable in it (leased for it, or loaded by hand: epoch 0, and not retired by a restore)."""
    if epoch is None:
        rows = conn.execute("SELECT desde, hasta, caf_xml FROM folio_leases WHERE tipo = ? ORDER BY desde", (tipo,))
    else:
        rows = conn.execute("SELECT desde, hasta, caf_xml FROM folio_leases WHERE tipo = ? AND epoch IN (0, ?)"
                            " AND retired = 0 ORDER BY desde", (tipo, epoch))
    return [(r[0], r[1], r[2]) for r in rows]


def held_leases(conn: sqlite3.Connection) -> list[tuple[int, int, int, int]]:
    """``(tipo, desde, hasta, epoch)`` of every range HQ leased to this terminal (any epoch; not the CAFs loaded by
    hand, epoch 0), by type and folio: what the till reports when a restored master asks."""
    rows = conn.execute("SELECT tipo, desde, hasta, epoch FROM folio_leases WHERE epoch > 0 ORDER BY tipo, desde")
    return [(int(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows]


def _lease_cursor(conn: sqlite3.Connection, tipo: int, desde: int, hasta: int) -> int:
    """The highest folio of a lease used so far, or ``desde - 1``: folios are issued upwards, never below it."""
    row = conn.execute("SELECT MAX(folio) FROM folios_used WHERE tipo = ? AND folio BETWEEN ? AND ?",
                       (tipo, desde, hasta)).fetchone()
    return int(row[0]) if row[0] is not None else desde - 1


def next_folio(conn: sqlite3.Connection, tipo: int, epoch: int | None = None) -> tuple[int, str] | None:
    """``(folio, caf_xml)``: the next unused folio of ``tipo`` (lowest lease first, of those usable in ``epoch``),
    or None when none is left."""
    for desde, hasta, caf_xml in folio_leases(conn, tipo, epoch):
        cursor = _lease_cursor(conn, tipo, desde, hasta)
        if cursor < hasta:
            return cursor + 1, caf_xml
    return None


def retired_leases(conn: sqlite3.Connection) -> list[tuple[int, int, int, int]]:
    """``(tipo, desde, hasta, first unused folio)`` of every lease retired with folios left (a restore gave them up),
    by type and folio."""
    rows = conn.execute("SELECT tipo, desde, hasta FROM folio_leases WHERE retired = 1 ORDER BY tipo, desde")
    found = [(int(r[0]), int(r[1]), int(r[2]), _lease_cursor(conn, int(r[0]), int(r[1]), int(r[2])) + 1)
             for r in rows.fetchall()]
    return [row for row in found if row[3] <= row[2]]


def has_folio_leases(conn: sqlite3.Connection, tipo: int) -> bool:
    """Whether this till ever received a lease of folios of ``tipo`` (in any epoch)."""
    return conn.execute("SELECT 1 FROM folio_leases WHERE tipo = ? LIMIT 1", (tipo,)).fetchone() is not None


def folios_left(conn: sqlite3.Connection, tipo: int, epoch: int | None = None) -> int:
    """Folios of ``tipo`` this terminal can still issue (in ``epoch``, when given)."""
    return sum(hasta - _lease_cursor(conn, tipo, desde, hasta)
               for desde, hasta, _ in folio_leases(conn, tipo, epoch))


def folio_used(conn: sqlite3.Connection, tipo: int, folio: int) -> str | None:
    """The sale that used ``folio`` of ``tipo``, if any."""
    row = conn.execute("SELECT sale_id FROM folios_used WHERE tipo = ? AND folio = ?", (tipo, folio)).fetchone()
    return None if row is None else str(row[0])


def sale_by_folio(conn: sqlite3.Connection, tipo: int, folio: int) -> str | None:
    """The sale whose document is ``tipo``/``folio`` (issued at this terminal)."""
    row = conn.execute("SELECT f.sale_id FROM folios_used f JOIN sales s ON s.sale_id = f.sale_id"
                       " WHERE f.tipo = ? AND f.folio = ?", (tipo, folio)).fetchone()
    return None if row is None else str(row[0])


def returned(conn: sqlite3.Connection, sale_id: str) -> dict[int, Decimal]:
    """Quantities already given back of each line of ``sale_id``."""
    return {r[0]: Decimal(r[1]) / projections.MILLI for r in conn.execute(
        "SELECT line_id, quantity FROM returned_lines WHERE sale_id = ?", (sale_id,))}


def customer(conn: sqlite3.Connection, rut: str) -> tuple[str, str, str, str, str] | None:
    """``(rut, razon_social, giro, direccion, comuna)`` of the customer with this compact RUT, if known."""
    row = conn.execute("SELECT rut, razon_social, giro, direccion, comuna FROM customers WHERE rut = ?",
                       (rut,)).fetchone()
    return None if row is None else (row[0], row[1], row[2], row[3], row[4])


def customers(conn: sqlite3.Connection) -> list[tuple[str, str, str, str, str]]:
    """Every known customer as :func:`customer` gives it, most recently saved first."""
    return [(r[0], r[1], r[2], r[3], r[4]) for r in conn.execute(
        "SELECT rut, razon_social, giro, direccion, comuna FROM customers"
        " ORDER BY updated_epoch DESC, updated_seq DESC, rut")]


def recent_sales(conn: sqlite3.Connection, limit: int = 30) -> list[tuple[str, int, int, str, int | None, int | None]]:
    """The last ``limit`` sales, newest first: ``(sale_id, number, total, occurred_at, tipo, folio)``; ``tipo``
    and ``folio`` are None for a sale that went out without a document."""
    rows = conn.execute(
        "SELECT s.sale_id, s.number, s.total, e.occurred_at, json_extract(e.payload, '$.document.tipo'),"
        " json_extract(e.payload, '$.document.folio') FROM sales s JOIN events e ON e.epoch = s.epoch"
        " AND e.seq = s.seq ORDER BY s.number DESC LIMIT ?", (limit,)).fetchall()
    return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]
