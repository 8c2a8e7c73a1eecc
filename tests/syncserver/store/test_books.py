"""The books from the master's tables (``syncserver.store.books``) against folds of the pushed events written here:
boletas, a factura, notas de crédito of returns at the till and of an HQ correction, purchases of every kind, the
remanente carried from an earlier month, one store and an encargado's scope."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import date, datetime
from typing import Any

import psycopg_pool

from shared import books
from shared.events import purchases, returns, sales
from syncserver.dte import corrections, folios, pipeline
from syncserver.store import books as books_store
from syncserver.store import db
from tests.syncserver.dte.dte_kit import CUSTOMER, DAY, return_of, sale, setup_tenant
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, SECRET, Till, migrated
from tests.syncserver.ingest.back_office_kit import LIDER
from tests.syncserver.ingest.back_office_kit import purchase as purchase_of

MAY, APRIL = date(2025, 5, 1), date(2025, 4, 1)
D2, D4 = datetime(2025, 5, 2, 10, 0, 0), datetime(2025, 5, 4, 11, 0, 0)


def _purchase(tipo: int, neto: int, fecha: str, *, exento: int = 0, manual: bool = False,
              supplier: purchases.Supplier = LIDER) -> purchases.PurchaseReceived:
    base = purchase_of("SKU-1", "1", neto, "centro")
    iva = round(neto * 0.19)
    return dataclasses.replace(base, tipo=tipo, fecha_emision=fecha, neto=neto, exento=exento, iva=iva,
                               total=neto + exento + iva, supplier=supplier, moves_stock=False,
                               digest="" if manual else base.digest)


def _events() -> dict[str, list[Any]]:
    b1 = sale([("Leche Entera 1 L", 1150, "2", False), ("Carga Bip!", 2000, "1", True)], 1, when=D2)
    b2 = sale([("Pan Batido", 1990, "0.512", False)], 2, when=D2)
    e1 = sale([("Carga Bip!", 5000, "1", True)], 1, tipo=41, when=D2)
    f1 = sale([("Caja Bebidas", 11400, "1", False)], 1, tipo=33, customer=CUSTOMER, when=D2)
    nc1 = return_of(b1, 1, {1: "1"}, when=D2)
    nc2 = return_of(f1, 2, when=D4)
    b5 = sale([("Huevos 12 un.", 3600, "1", False)], 5, when=D4)
    norte = sale([("Aceite 1 L", 2990, "1", False)], 6, when=D4)  # the second till's lease
    other = purchases.Supplier("76086428-5", "Comercial Ñuble Ltda.", "Abarrotes")
    bought = [_purchase(33, 10_000, "2025-05-03"), _purchase(61, 2_000, "2025-05-05"),
              _purchase(56, 500, "2025-05-06", supplier=other), _purchase(34, 0, "2025-05-06", exento=4_000),
              _purchase(39, 840, "2025-05-07", manual=True), _purchase(33, 30_000, "2025-04-20"),
              _purchase(33, 1_000, "2025-06-01")]
    return {"centro": [b1, b2, e1, f1, nc1, nc2, b5, *bought], "norte": [norte]}


def _fold(events: list[Any], correction: tuple[int, int, int, int]) -> tuple[dict[int, list[int]], int, int]:
    """(tipo -> [documents, signed IVA]) of May's sales, May's crédito and April's crédito, from the events."""
    by_tipo: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    credito = {"2025-05": 0, "2025-04": 0}
    for e in events:
        if isinstance(e, sales.SaleCompleted) and e.document and e.document.stamped_at.startswith("2025-05"):
            by_tipo[e.document.tipo][0] += 1
            by_tipo[e.document.tipo][1] += e.iva
        elif isinstance(e, returns.ReturnCompleted) and e.document and e.document.stamped_at.startswith("2025-05"):
            by_tipo[61][0] += 1
            by_tipo[61][1] -= e.iva
        elif (isinstance(e, purchases.PurchaseReceived) and e.tipo in (33, 34, 56, 61)
              and e.fecha_emision[:7] in credito):
            credito[e.fecha_emision[:7]] += -e.iva if e.tipo == 61 else e.iva
    tipo, _folio, iva, _total = correction
    by_tipo[tipo][0] += 1
    by_tipo[tipo][1] -= iva
    return dict(by_tipo), credito["2025-05"], credito["2025-04"]


async def _reasons(pool: psycopg_pool.AsyncConnectionPool) -> list[Any]:
    async with db.tenant_tx(pool, 1) as conn:
        return await (await conn.execute("SELECT type, reason FROM quarantine")).fetchall()


def test_books_of_a_month_equal_a_fold_of_the_events(pg_database: str) -> None:
    data = migrated(pg_database, {1: SAMPLE_RUT})
    events = _events()

    async def push(pool: psycopg_pool.AsyncConnectionPool) -> None:
        from syncserver import tenancy

        await tenancy.create_store(pool, 1, "norte", "Norte")
        centro = await Till.enroll(pool, 1)
        await setup_tenant(pool, tipos=(33, 39, 41, 61))  # centro leases folios 1-5 of each type
        norte = await Till.enroll(pool, 1, "norte")
        async with db.tenant_tx(pool, 1) as conn:  # then norte 6-10
            await folios.refill(conn, 1, norte.terminal_id, "norte", 1, tipos=[39], lease_size=5, low_water=1,
                                today=DAY)
        for till, name in ((centro, "centro"), (norte, "norte")):
            for event in events[name]:
                till.record(event)
            ack = await till.push(pool)
            assert ack.quarantined == 0, (ack, await _reasons(pool))
        await pipeline.sign_pending(pool, 1, SECRET)

    data.run(push)
    b2 = events["centro"][1]
    data.rows("UPDATE dte_outbox SET state = 'rejected', last_error = 'rechazo' WHERE tipo = 39 AND folio = 2"
              " RETURNING folio")

    async def read(pool: psycopg_pool.AsyncConnectionPool) -> dict[str, Any]:
        corrected = await corrections.correct_rejected(pool, 1, 39, 2, by="pepe", now=D4)
        async with db.tenant_tx(pool, 1) as conn:
            return {"corrected": corrected,
                    "sales": await books_store.sales_book(conn, 1, MAY),
                    "purchases": await books_store.purchase_book(conn, 1, MAY),
                    "iva": await books_store.iva_summary(conn, 1, MAY),
                    "april": await books_store.iva_summary(conn, 1, APRIL),
                    "norte": await books_store.sales_book(conn, 1, MAY, "norte"),
                    "scoped": await books_store.sales_book(conn, 1, MAY, scope=["norte"]),
                    "june": await books_store.iva_summary(conn, 1, date(2025, 6, 1))}

    got = data.run(read)
    nota = (61, got["corrected"].folio, b2.iva, b2.total)
    expected, credito, credito_april = _fold(events["centro"] + events["norte"], nota)
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
    hq_nota = notas[got["corrected"].folio]
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
    assert [(r.tipo, r.folio) for r in got["norte"]] == [(39, 6)]
    assert got["scoped"] == got["norte"]
