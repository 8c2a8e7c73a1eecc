"""Migration 0008: purchase lines registered before the till kept their package factor get it from their
``purchase.received`` entry, so the next factura of a boxed item still comes in by the box; a rebuild of the
projections gives the same rows."""

from __future__ import annotations

import sqlite3

from desktop import cli
from desktop import settings as settings_mod
from desktop.journal import migrate
from tests import supplier_dte as sd

STORE = "77447842-6"
PRODUCTS = [{"sku": "LEC-1", "name": "Leche Entera Colun 1 L", "price": "1150", "category": "Almacén",
             "sold_by": "unit", "barcode": "7801234567894", "plu": "", "brand": "", "iva_exempt": "0",
             "favourite": "0", "stock": "0"}]
LECHE = ("Leche Entera Colun CJ 12 x 1 L", "5", "6000", "7801234567894", False)
FLETE = ("Flete", "1", "4000", "", False)


def test_existing_purchase_lines_take_their_factor_from_the_journal(make_terminal, tmp_path):
    data = tmp_path / "caja"
    store_info = settings_mod.StoreInfo(rut="77.447.842-6")
    term = make_terminal(rows=PRODUCTS, data_dir=data, store=store_info)
    preview = term.purchases.preview(sd.envio([sd.dte(33, 9, [LECHE, FLETE], STORE)], STORE))
    term.purchases.record(term.purchases.assign(preview, 1, "LEC-1", "12"))
    term.close()
    conn = sqlite3.connect(data / "journal.sqlite3")  # back to how 0007 left the table
    conn.executescript("ALTER TABLE purchase_lines DROP COLUMN package_factor; DROP TABLE emisor;"
                       " UPDATE alembic_version SET version_num = '0007';")
    conn.close()

    term = make_terminal(rows=PRODUCTS, data_dir=data, store=store_info, fresh=False)
    conn = term.journal.conn
    assert migrate.current_revision(conn) == migrate.SCHEMA_HEAD
    assert conn.execute("SELECT line_no, package_factor FROM purchase_lines ORDER BY line_no").fetchall() == [
        (1, "12"), (2, "1")]
    before = cli.projection_digest(conn)
    term.journal.rebuild_projections()
    assert cli.projection_digest(conn) == before

    again = term.purchases.preview(sd.envio([sd.dte(33, 10, [LECHE], STORE)], STORE))
    [line] = again.events[0].lines
    assert (line.matched_by, line.package_factor, line.store_quantity) == ("ean", 12, 60)
