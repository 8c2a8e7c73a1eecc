"""The terminal's read models (product lookup, stock on hand, shift totals, sales, users), kept by the journal.

Each handler runs inside the unit of work that appends its event, so a read model is never ahead of or behind
the journal; ``clear`` + replaying every event rebuilds them identically.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from desktop.journal import (
    fiado_projection,
    inventory_projection,
    local_products_projection,
    purchases_projection,
    report_projection,
    supplier_answers,
)
from shared import errors as pos_errors
from shared import shift as shift_mod
from shared.events import (
    auth,
    catalog,
    codec,
    customers,
    emisor,
    envelope,
    fiado,
    folios,
    inventory,
    purchases,
    returns,
    sales,
    shifts,
    stores,
    till,
)

PROJECTION_TABLES = ("products", "barcodes", "stock", "shifts", "sales", "users", "pin_failures", "folio_leases",
                     "folios_used", "returned_lines", "customers", "emisor", "card_model", "category_order", "stores",
                     *purchases_projection.TABLES, *inventory_projection.TABLES, *local_products_projection.TABLES,
                     *fiado_projection.TABLES, *report_projection.TABLES, *supplier_answers.TABLES)
MILLI = Decimal(1000)


class FolioAlreadyUsed(pos_errors.PosError):
    """A document with a folio this terminal already issued: the sale is not journaled."""

    def __init__(self, tipo: int, folio: int, sale_id: str) -> None:
        super().__init__(f"el folio {folio} del tipo {tipo} ya se usó en la venta {sale_id}")
        self.tipo, self.folio, self.sale_id = tipo, folio, sale_id


def to_milli(quantity: Decimal) -> int:
    """Stock is kept as integer thousandths (grams for kg goods) so SQL can add it exactly."""
    return int(quantity * MILLI)


def clear(conn: sqlite3.Connection) -> None:
    for table in PROJECTION_TABLES:
        conn.execute(f"DELETE FROM {table}")
    conn.execute("INSERT INTO products_fts(products_fts) VALUES ('rebuild')")


def _product(conn: sqlite3.Connection, entry: envelope.Envelope, e: catalog.ProductUpserted) -> None:
    conn.execute(
        "INSERT INTO products (sku, name, price, category, sold_by, plu, brand, iva_exempt, favourite, active)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sku) DO UPDATE SET name = excluded.name,"
        " price = excluded.price, category = excluded.category, sold_by = excluded.sold_by, plu = excluded.plu,"
        " brand = excluded.brand, iva_exempt = excluded.iva_exempt, favourite = excluded.favourite,"
        " active = excluded.active",
        (e.sku, e.name, e.price, e.category, e.sold_by, e.plu, e.brand, e.iva_exempt, e.favourite, e.active))
    conn.execute("DELETE FROM barcodes WHERE sku = ?", (e.sku,))
    conn.executemany("INSERT OR REPLACE INTO barcodes (code, sku) VALUES (?, ?)", [(c, e.sku) for c in e.barcodes])


_decoded_shifts: dict[str, tuple[str, shift_mod.Shift]] = {}
"""Shift rows decoded before, by the exact stored text: the row is read every time (so a rolled-back
transaction is never trusted) but decoded only when its text changed."""


def _load_shift(conn: sqlite3.Connection, shift_id: str) -> shift_mod.Shift | None:
    row = conn.execute("SELECT data FROM shifts WHERE shift_id = ?", (shift_id,)).fetchone()
    if row is None:
        return None
    cached = _decoded_shifts.get(shift_id)
    if cached is not None and cached[0] == row[0]:
        return cached[1]
    decoded: shift_mod.Shift = codec.from_payload(shift_mod.Shift, json.loads(row[0]))
    _decoded_shifts[shift_id] = (row[0], decoded)
    return decoded


def _store_shift(conn: sqlite3.Connection, s: shift_mod.Shift) -> None:
    text = json.dumps(codec.to_payload(s), sort_keys=True)
    conn.execute("INSERT INTO shifts (shift_id, number, state, data) VALUES (?, ?, ?, ?) ON CONFLICT (shift_id)"
                 " DO UPDATE SET state = excluded.state, data = excluded.data",
                 (s.shift_id, s.number, s.state.value, text))
    _decoded_shifts[s.shift_id] = (text, s)


def _fold_shift(conn: sqlite3.Connection, entry: envelope.Envelope, e: Any) -> None:
    current = _load_shift(conn, e.shift_id)
    if current is not None:
        _store_shift(conn, current.apply(e))


def _shift_opened(conn: sqlite3.Connection, entry: envelope.Envelope, e: shifts.ShiftOpened) -> None:
    _store_shift(conn, shift_mod.Shift.open(e))


def _sale(conn: sqlite3.Connection, entry: envelope.Envelope, e: sales.SaleCompleted) -> None:
    conn.execute("INSERT INTO sales (sale_id, number, shift_id, epoch, seq, total) VALUES (?, ?, ?, ?, ?, ?)",
                 (e.sale_id, e.number, e.shift_id, entry.epoch, entry.seq, e.total))
    _use_folio(conn, e.document, e.sale_id)
    _fold_shift(conn, entry, e)


def _use_folio(conn: sqlite3.Connection, document: sales.DocumentStamped | None, owner: str) -> None:
    """A folio used twice fails the transaction of its sale or return (the key (tipo, folio) backs this)."""
    if document is None:
        return
    used = conn.execute("SELECT sale_id FROM folios_used WHERE tipo = ? AND folio = ?",
                        (document.tipo, document.folio)).fetchone()
    if used is not None:
        raise FolioAlreadyUsed(document.tipo, document.folio, used[0])
    conn.execute("INSERT INTO folios_used (tipo, folio, sale_id) VALUES (?, ?, ?)",
                 (document.tipo, document.folio, owner))


def _return(conn: sqlite3.Connection, entry: envelope.Envelope, e: returns.ReturnCompleted) -> None:
    conn.executemany("INSERT INTO returned_lines (sale_id, line_id, quantity) VALUES (?, ?, ?) ON CONFLICT"
                     " (sale_id, line_id) DO UPDATE SET quantity = quantity + excluded.quantity",
                     [(e.sale_id, line.line_id, to_milli(line.quantity)) for line in e.lines])
    _use_folio(conn, e.document, e.return_id)
    _fold_shift(conn, entry, e)


def _folio_lease(conn: sqlite3.Connection, entry: envelope.Envelope, e: folios.FolioLeaseReceived) -> None:
    """A lease overlapping one already held (the same lease delivered again) adds nothing."""
    overlap = conn.execute("SELECT 1 FROM folio_leases WHERE tipo = ? AND desde <= ? AND hasta >= ?",
                           (e.tipo, e.hasta, e.desde)).fetchone()
    if overlap is None:
        conn.execute("INSERT INTO folio_leases (tipo, desde, hasta, caf_xml, epoch) VALUES (?, ?, ?, ?, ?)",
                     (e.tipo, e.desde, e.hasta, e.caf_xml, e.epoch))


def _leases_retired(conn: sqlite3.Connection, entry: envelope.Envelope, e: folios.FolioLeasesRetired) -> None:
    """Every lease held so far is given up (a restored copy): none is stamped from again."""
    conn.execute("UPDATE folio_leases SET retired = 1 WHERE retired = 0")


def _authorised(conn: sqlite3.Connection, entry: envelope.Envelope, e: auth.Authorised) -> None:
    if e.shift_id:
        _fold_shift(conn, entry, e)


def _line_removed(conn: sqlite3.Connection, entry: envelope.Envelope, e: till.LineRemoved) -> None:
    if e.shift_id:
        _fold_shift(conn, entry, e)  # the Z report counts the lines removed


def _user(conn: sqlite3.Connection, entry: envelope.Envelope, e: auth.UserEnrolled) -> None:
    conn.execute("INSERT INTO users (user_id, name, role, pin_hash, active) VALUES (?, ?, ?, ?, ?)"
                 " ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, role = excluded.role,"
                 " pin_hash = excluded.pin_hash, active = excluded.active",
                 (e.user_id, e.name, e.role, e.pin_hash, e.active))


def _pin_rejected(conn: sqlite3.Connection, entry: envelope.Envelope, e: auth.PinRejected) -> None:
    conn.execute("INSERT INTO pin_failures (user_id, failures, locked_until) VALUES (?, ?, ?)"
                 " ON CONFLICT (user_id) DO UPDATE SET failures = excluded.failures,"
                 " locked_until = excluded.locked_until", (e.user_id, e.failures, e.locked_until))


def _signed_in(conn: sqlite3.Connection, entry: envelope.Envelope, e: auth.SignedIn) -> None:
    conn.execute("DELETE FROM pin_failures WHERE user_id = ?", (e.user_id,))


def _customer(conn: sqlite3.Connection, entry: envelope.Envelope, e: customers.CustomerSaved) -> None:
    """The latest data of a RUT wins (``updated_epoch``/``updated_seq``: the entry that saved it)."""
    conn.execute("INSERT INTO customers (rut, razon_social, giro, direccion, comuna, updated_epoch, updated_seq)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (rut) DO UPDATE SET razon_social = excluded.razon_social,"
                 " giro = excluded.giro, direccion = excluded.direccion, comuna = excluded.comuna,"
                 " updated_epoch = excluded.updated_epoch, updated_seq = excluded.updated_seq",
                 (e.rut, e.razon_social, e.giro, e.direccion, e.comuna, entry.epoch, entry.seq))


def _emisor(conn: sqlite3.Connection, entry: envelope.Envelope, e: emisor.EmisorReceived) -> None:
    """The latest emisor HQ published replaces the one before (one row)."""
    conn.execute("INSERT OR REPLACE INTO emisor (id, rut, razon_social, giro, direccion, comuna, ciudad, sucursal_sii,"
                 " resolucion_fecha, resolucion_numero, unidad_sii) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (e.rut, e.razon_social, e.giro, e.direccion, e.comuna, e.ciudad, e.sucursal_sii,
                  e.resolucion_fecha, e.resolucion_numero, e.unidad_sii))


def _card_model(conn: sqlite3.Connection, entry: envelope.Envelope, e: emisor.CardModelReceived) -> None:
    """The latest «modelo de emisión» HQ published replaces the one before (one row)."""
    conn.execute("INSERT OR REPLACE INTO card_model (id, model, set_by, set_at) VALUES (1, ?, ?, ?)",
                 (e.model, e.set_by, e.set_at))


def _store(conn: sqlite3.Connection, entry: envelope.Envelope, e: stores.StoreReceived) -> None:
    """The latest data HQ published for a store replaces the one before (one row per store)."""
    conn.execute("INSERT OR REPLACE INTO stores (store_id, name, direccion, comuna, ciudad, sucursal_sii, active)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (e.store_id, e.name, e.direccion, e.comuna, e.ciudad, e.sucursal_sii, e.active))


def _categories_ordered(conn: sqlite3.Connection, entry: envelope.Envelope, e: catalog.CategoriesOrdered) -> None:
    """HQ's latest tab order replaces the one before (position 1 is the first tab after Favoritos)."""
    conn.execute("DELETE FROM category_order")
    conn.executemany("INSERT OR IGNORE INTO category_order (name, position) VALUES (?, ?)",
                     [(name, i) for i, name in enumerate(e.names, start=1)])


Handler = Callable[[sqlite3.Connection, envelope.Envelope, Any], None]

HANDLERS: dict[type[Any], list[Handler]] = {
    catalog.ProductUpserted: [_product, inventory_projection.product_upserted,
                              local_products_projection.product_upserted],
    catalog.StockAdjusted: [inventory_projection.fold],
    catalog.CategoriesOrdered: [_categories_ordered],
    sales.SaleCompleted: [_sale, inventory_projection.fold, fiado_projection.sale, report_projection.sale],
    shifts.ShiftOpened: [_shift_opened],
    shifts.CashMoved: [_fold_shift],
    shifts.ShiftClosed: [_fold_shift],
    auth.Authorised: [_authorised],
    auth.UserEnrolled: [_user],
    auth.PinRejected: [_pin_rejected],
    auth.SignedIn: [_signed_in],
    auth.DrawerOpened: [],
    folios.FolioLeaseReceived: [_folio_lease],
    folios.FolioLeasesRetired: [_leases_retired],
    returns.ReturnCompleted: [_return, inventory_projection.fold, fiado_projection.returned,
                               report_projection.returned],
    customers.CustomerSaved: [_customer],
    purchases.PurchaseReceived: [purchases_projection.apply, inventory_projection.fold],
    till.LineRemoved: [_line_removed],
    emisor.EmisorReceived: [_emisor],
    emisor.CardModelReceived: [_card_model],
    stores.StoreReceived: [_store],
    inventory.TransferSent: [inventory_projection.transfer_sent, inventory_projection.fold],
    inventory.TransferIncoming: [inventory_projection.transfer_incoming],
    inventory.TransferReceived: [inventory_projection.transfer_received, inventory_projection.fold],
    inventory.CountStarted: [inventory_projection.count_started],
    inventory.CountPosted: [inventory_projection.count_posted, inventory_projection.fold],
    inventory.MermaRecorded: [inventory_projection.merma_recorded, inventory_projection.fold],
    inventory.SupplierReturned: [inventory_projection.supplier_returned, inventory_projection.fold],
    inventory.SupplierSaved: [inventory_projection.supplier_saved],
    inventory.StoreProductSet: [inventory_projection.store_product_set],
    inventory.InventorySettingsReceived: [inventory_projection.inventory_settings],
    fiado.CustomerProfileSaved: [fiado_projection.profile_saved],
    fiado.FiadoAccountSet: [fiado_projection.account_set],
    fiado.FiadoPaid: [fiado_projection.paid, _fold_shift],
    fiado.FiadoPaymentReversed: [fiado_projection.payment_reversed, _fold_shift],
    fiado.FiadoSettingsSet: [fiado_projection.settings_set],
    fiado.CustomerReceived: [fiado_projection.customer_received],
    fiado.FiadoEntryReceived: [fiado_projection.entry_received],
    fiado.FiadoSettingsReceived: [fiado_projection.settings_received],
    purchases.SupplierAnswerReceived: [supplier_answers.received],
}


def apply(conn: sqlite3.Connection, entry: envelope.Envelope, event: Any) -> None:
    """Run every read-model handler of ``event`` on ``conn`` (inside the caller's transaction)."""
    for handler in HANDLERS[type(event)]:
        handler(conn, entry, event)
