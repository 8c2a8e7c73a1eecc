"""A month of documents for the books' tests, pushed by real tills: in May 2025 boletas (39, 41), a factura (33),
notas de crédito of returns at the till and of an HQ correction of a rejected boleta, purchases of every kind (one
a boleta typed in by hand, left out of the book), an April purchase whose crédito is carried into May; store
``centro`` and a boleta of store ``norte``."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import date, datetime
from typing import Any

import psycopg_pool

from shared.events import purchases, returns, sales
from syncserver import tenancy
from syncserver.dte import corrections, folios, pipeline
from syncserver.store import db
from tests.syncserver.dte.dte_kit import CUSTOMER, DAY, return_of, sale, setup_tenant
from tests.syncserver.dte.folio_kit import SECRET, Db, Till
from tests.syncserver.ingest.back_office_kit import LIDER
from tests.syncserver.ingest.back_office_kit import purchase as purchase_of

MAY, APRIL = date(2025, 5, 1), date(2025, 4, 1)
D2, D4 = datetime(2025, 5, 2, 10, 0, 0), datetime(2025, 5, 4, 11, 0, 0)
NUBLE = purchases.Supplier("76086428-5", "Comercial Ñuble Ltda.", "Abarrotes")


def _purchase(tipo: int, neto: int, fecha: str, *, exento: int = 0, manual: bool = False,
              supplier: purchases.Supplier = LIDER) -> purchases.PurchaseReceived:
    base = purchase_of("SKU-1", "1", neto or 1, "centro")
    iva = round(neto * 0.19)
    return dataclasses.replace(base, tipo=tipo, fecha_emision=fecha, neto=neto, exento=exento, iva=iva,
                               total=neto + exento + iva, supplier=supplier, moves_stock=False,
                               digest="" if manual else base.digest)


def events() -> dict[str, list[Any]]:
    """Each store's events, in the order its till journals them."""
    b1 = sale([("Leche Entera 1 L", 1150, "2", False), ("Carga Bip!", 2000, "1", True)], 1, when=D2)
    b2 = sale([("Pan Batido", 1990, "0.512", False)], 2, when=D2)
    e1 = sale([("Carga Bip!", 5000, "1", True)], 1, tipo=41, when=D2)
    f1 = sale([("Caja Bebidas", 11400, "1", False)], 1, tipo=33, customer=CUSTOMER, when=D2)
    nc1 = return_of(b1, 1, {1: "1"}, when=D2)
    nc2 = return_of(f1, 2, when=D4)
    b5 = sale([("Huevos 12 un.", 3600, "1", False)], 5, when=D4)
    norte = sale([("Aceite 1 L", 2990, "1", False)], 6, when=D4)  # the second till's lease
    bought = [_purchase(33, 10_000, "2025-05-03"), _purchase(61, 2_000, "2025-05-05"),
              _purchase(56, 500, "2025-05-06", supplier=NUBLE), _purchase(34, 0, "2025-05-06", exento=4_000),
              _purchase(39, 840, "2025-05-07", manual=True), _purchase(33, 30_000, "2025-04-20"),
              _purchase(33, 1_000, "2025-06-01")]
    return {"centro": [b1, b2, e1, f1, nc1, nc2, b5, *bought], "norte": [norte]}


async def _reasons(pool: psycopg_pool.AsyncConnectionPool) -> list[Any]:
    async with db.tenant_tx(pool, 1) as conn:
        return await (await conn.execute("SELECT type, reason FROM quarantine")).fetchall()


def seed(data: Db, journal: dict[str, list[Any]]) -> corrections.Corrected:
    """Push ``journal`` (store -> events) from one till per store (centro leases folios 1-5 of each type, norte 6-10
    of boletas), sign the documents, reject boleta N° 2 and have HQ annul it; returns that correction."""

    async def push(pool: psycopg_pool.AsyncConnectionPool) -> None:
        await tenancy.create_store(pool, 1, "norte", "Norte")
        centro = await Till.enroll(pool, 1)
        await setup_tenant(pool, tipos=(33, 39, 41, 61))
        norte = await Till.enroll(pool, 1, "norte")
        async with db.tenant_tx(pool, 1) as conn:
            await folios.refill(conn, 1, norte.terminal_id, "norte", 1, tipos=[39], lease_size=5, low_water=1,
                                today=DAY)
        for till, name in ((centro, "centro"), (norte, "norte")):
            for event in journal[name]:
                till.record(event)
            ack = await till.push(pool)
            assert ack.quarantined == 0, (ack, await _reasons(pool))
        await pipeline.sign_pending(pool, 1, SECRET)

    data.run(push)
    data.rows("UPDATE dte_outbox SET state = 'rejected', last_error = 'rechazo' WHERE tipo = 39 AND folio = 2"
              " RETURNING folio")
    corrected: corrections.Corrected = data.run(
        lambda pool: corrections.correct_rejected(pool, 1, 39, 2, by="pepe", now=D4))
    return corrected


def fold(journal: list[Any], correction: tuple[int, int]) -> tuple[dict[int, list[int]], int, int]:
    """(tipo -> [documents, signed IVA]) of May's documents issued, May's crédito and April's crédito, folded from
    the events themselves; ``correction`` is the HQ nota's (tipo, IVA)."""
    by_tipo: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    credito = {"2025-05": 0, "2025-04": 0}
    for e in journal:
        if isinstance(e, sales.SaleCompleted) and e.document and e.document.stamped_at.startswith("2025-05"):
            by_tipo[e.document.tipo][0] += 1
            by_tipo[e.document.tipo][1] += e.iva
        elif isinstance(e, returns.ReturnCompleted) and e.document and e.document.stamped_at.startswith("2025-05"):
            by_tipo[61][0] += 1
            by_tipo[61][1] -= e.iva
        elif (isinstance(e, purchases.PurchaseReceived) and e.tipo in (33, 34, 56, 61)
              and e.fecha_emision[:7] in credito):
            credito[e.fecha_emision[:7]] += -e.iva if e.tipo == 61 else e.iva
    tipo, iva = correction
    by_tipo[tipo][0] += 1
    by_tipo[tipo][1] -= iva
    return dict(by_tipo), credito["2025-05"], credito["2025-04"]
