"""The books from the master's tables (``syncserver.store.books``) against folds of the pushed events written here
(``books_kit``): boletas, a factura, notas de crédito of returns at the till and of an HQ correction, purchases of
every kind, the remanente carried from an earlier month, one store and an encargado's scope; the day sums kept at
ingest (``book_days``) equal the rebuild's and the migration's back-fill's."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
import psycopg_pool

from shared import books
from syncserver.ingest import rebuild
from syncserver.store import books as books_store
from syncserver.store import db
from tests.syncserver.dte.dte_kit import CUSTOMER
from tests.syncserver.dte.folio_kit import CODEC, SAMPLE_RUT, migrated
from tests.syncserver.store import books_kit
from tests.syncserver.store.books_kit import APRIL, MAY


def test_books_of_a_month_equal_a_fold_of_the_events(pg_database: str) -> None:
    data = migrated(pg_database, {1: SAMPLE_RUT})
    journal = books_kit.events()
    corrected = books_kit.seed(data, journal)
    b2 = journal["centro"][1]

    async def read(pool: psycopg_pool.AsyncConnectionPool) -> dict[str, Any]:
        async with db.tenant_tx(pool, 1) as conn:
            return {"sales": await books_store.sales_book(conn, 1, MAY),
                    "purchases": await books_store.purchase_book(conn, 1, MAY),
                    "iva": await books_store.iva_summary(conn, 1, MAY),
                    "april": await books_store.iva_summary(conn, 1, APRIL),
                    "norte": await books_store.sales_book(conn, 1, MAY, "norte"),
                    "scoped": await books_store.sales_book(conn, 1, MAY, scope=["norte"]),
                    "june": await books_store.iva_summary(conn, 1, date(2025, 6, 1)),
                    "plan": await _plan(conn, books_store._SALES, books_store._query(1, MAY, None, None))}

    got = data.run(read)
    expected, credito, credito_april = books_kit.fold(journal["centro"] + journal["norte"], (61, b2.iva))
    rows: tuple[books.SalesBookRow, ...] = got["sales"]
    assert {g.tipo: [g.documentos, g.iva] for g in books.by_tipo(rows)} == expected
    # boletas: one line per day and type; the factura, and each nota, a line of its own with its reference
    assert [(r.fecha.day, r.tipo, r.folio, r.folio_hasta, r.documentos) for r in rows if r.summary] == [
        (2, 39, 1, 2, 2), (2, 41, 1, 1, 1), (4, 39, 5, 6, 2)]
    factura = next(r for r in rows if r.tipo == 33)
    assert (factura.rut, factura.razon_social, factura.folio) == (CUSTOMER.rut, CUSTOMER.razon_social, 1)
    notas = {r.folio: r for r in rows if r.tipo == 61}
    assert (notas[1].ref_tipo, notas[1].ref_folio, notas[1].rut) == (39, 1, books.ANONYMOUS_RUT)
    assert (notas[2].ref_tipo, notas[2].ref_folio, notas[2].rut) == (33, 1, CUSTOMER.rut)
    hq_nota = notas[corrected.folio]
    assert (hq_nota.ref_tipo, hq_nota.ref_folio, hq_nota.iva, hq_nota.total) == (39, 2, b2.iva, b2.total)

    bought: tuple[books.PurchaseBookRow, ...] = got["purchases"]
    assert sorted((r.tipo, r.neto, r.exento) for r in bought) == [(33, 10_000, 0), (34, 0, 4_000), (56, 500, 0),
                                                                  (61, 2_000, 0)]
    assert next(r for r in bought if r.tipo == 56).razon_social == "Comercial Ñuble Ltda."

    april, may = got["april"], got["iva"]
    assert (april.debito, april.credito, april.remanente_anterior, april.carry) == (0, credito_april, 0,
                                                                                     credito_april)
    debito = sum(v[1] for v in expected.values())
    assert (may.debito, may.credito, may.remanente_anterior) == (debito, credito, credito_april)
    assert may.remainder == debito - credito - credito_april
    assert got["june"].remanente_anterior == may.carry
    assert [(r.tipo, r.folio, r.store_id) for r in got["norte"]] == [(39, 6, "norte")]
    assert [(r.tipo, r.folio, r.iva, r.store_id) for r in got["scoped"]] == [(39, 6, got["norte"][0].iva, "")]

    days = data.rows("SELECT * FROM book_days ORDER BY day, store_id, tipo")
    assert sum(r[4] for r in days) == sum(g.documentos for g in books.by_tipo(rows)) - 1  # but HQ's own nota
    data.run(lambda pool: rebuild.rebuild(pool, CODEC, 1))
    assert data.rows("SELECT * FROM book_days ORDER BY day, store_id, tipo") == days
    with psycopg.connect(data.admin_url) as conn:
        conn.execute("DELETE FROM book_days")
        books_store.backfill_days_all(conn)
    assert data.rows("SELECT * FROM book_days ORDER BY day, store_id, tipo") == days
    assert f"d.tipo NOT IN ({', '.join(map(str, sorted(books.BOLETAS_RESUMEN)))})" == books_store._LISTED
    # the month's listed documents are found on migration 0039's index by their stamp, under row-level security
    assert "dte_documents_listed_by_stamp" in got["plan"] and "stamped_at)::text >= '2025-05-01'" in got["plan"]


async def _plan(conn: db.Conn, sql: str, query: dict[str, Any]) -> str:
    """``sql``'s plan on the application role (tables this small are read whole unless sequential scans are off)."""
    await conn.execute("SET LOCAL enable_seqscan = off")
    plan = "\n".join(str(r[0]) for r in await (await conn.execute("EXPLAIN " + sql, query)).fetchall())
    await conn.execute("SET LOCAL enable_seqscan = on")
    return plan


STAMPS = ("", "2025", "2025-04-30", "2025-04-30T23:59:59", "2025-04-30T23:59:59-04:00", "2025-05-01",
          "2025-05-01T00:00:00", "2025-05-0", "2025-05-1", "2025-05-31T23:59:59Z", "2025-05-31é", "2025-05-31\x7f",
          "2025-06-01", "2025-06-01T00:00:00", "2025-06", "2025-05-15 10:00", "2025-05-ñ", "2025-05-01ñ", "9999")


def test_the_stamp_range_selects_the_days_left_selects(pg_database: str) -> None:
    """``syncserver.store.books._WHERE``: ``stamped_at COLLATE "C"`` from ``low`` to before ``high`` takes the
    same texts as ``left(stamped_at, 10)`` between them, on either side of the month and on odd texts."""
    with psycopg.connect(pg_database) as conn:
        rows = conn.execute(
            "SELECT x, (left(x, 10) >= %(low)s AND left(x, 10) < %(high)s),"
            " (x COLLATE \"C\" >= %(low)s AND x COLLATE \"C\" < %(high)s) FROM unnest(%(stamps)s::text[]) AS x",
            {"low": "2025-05-01", "high": "2025-06-01", "stamps": list(STAMPS)}).fetchall()
    assert [(x, by_stamp) for x, _, by_stamp in rows] == [(x, by_day) for x, by_day, _ in rows]
    assert sum(by_day for _, by_day, _ in rows) == 10
