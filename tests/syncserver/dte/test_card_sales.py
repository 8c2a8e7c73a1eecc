"""The same day of sales under each «modelo de emisión» (docs/card-sales.md), pushed by a till: the libro de ventas
(boletas 39/41 and vouchers 48 summed per day), the RVD (boletas only) and the Z report (``shared.shift``) agree with
an independent fold of the events, and the IVA débito is the same whichever model the business declared."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import psycopg_pool
import pytest

from shared import books, card_model
from shared import shift as shift_mod
from shared.events import registry, sales, shifts
from syncserver.dte import rvd as rvd_dte
from syncserver.ingest import rebuild
from syncserver.store import books as books_store
from syncserver.store import db
from tests.syncserver.dte.dte_kit import sale, setup_tenant
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, Till, migrated

WHEN = datetime(2026, 11, 22, 10, 0, 0)
"""The Chile wall time the kit's till journals every event at (``folio_kit.Till.record``)."""
DAY = WHEN.date()
MILK, BREAD, EGGS, OIL = ("Leche Entera 1 L", 1150, "2", False), ("Pan Batido", 1990, "1", False), \
    ("Huevos 12 un.", 3600, "1", False), ("Aceite 1 L", 2990, "1", False)
BIP = ("Carga Bip!", 5000, "1", True)
DAYS_SALES: list[tuple[list[Any], tuple[tuple[str, int], ...]]] = [
    ([MILK], (("debit", 2300),)),
    ([BREAD], (("cash", 1990),)),
    ([BIP, MILK], (("credit", 7300),)),
    ([EGGS], (("debit", 2000), ("cash", 1600))),
    ([OIL], (("transfer", 2990),)),
    ([("Carga Bip!", 2000, "1", True)], (("debit", 2000),)),
]
"""(lines, tenders): card only, cash, card with an exempt line, card and cash, transfer, an exempt sale by card."""


def _day(model: card_model.CardModel) -> list[sales.SaleCompleted]:
    """The day's sales as a till under ``model`` journals them: a boleta (next folio of its type) when
    ``needs_boleta``, else no document."""
    folios = {39: 0, 41: 0}
    out = []
    for lines, paid in DAYS_SALES:
        tenders = tuple(sales.TenderTaken(kind, amount, amount) for kind, amount in paid)
        tipo = 41 if all(line[3] for line in lines) else 39
        if card_model.needs_boleta(model, tenders):
            folios[tipo] += 1
            event = sale(lines, folios[tipo], tipo=tipo, when=WHEN)
        else:
            event = dataclasses.replace(sale(lines, 1, when=WHEN), document=None)
        assert sum(t.amount for t in tenders) == event.total
        out.append(dataclasses.replace(event, tenders=tenders, rounding=0))
    return out


@pytest.mark.parametrize("model", list(card_model.CardModel))
def test_the_z_the_libro_de_ventas_and_the_rvd_agree_under_each_model(pg_database: str,
                                                                       model: card_model.CardModel) -> None:
    data = migrated(pg_database, {1: SAMPLE_RUT})
    day = _day(model)

    async def push_and_read(pool: psycopg_pool.AsyncConnectionPool) -> dict[str, Any]:
        till = await Till.enroll(pool, 1)
        await setup_tenant(pool, tipos=(39, 41))
        for event in day:
            till.record(event)
        ack = await till.push(pool)
        assert ack.quarantined == 0
        async with db.tenant_tx(pool, 1) as conn:
            pushed = await books_store.sales_book(conn, 1, DAY.replace(day=1))
        await rebuild.rebuild(pool, registry.build_codec(), 1)  # the rebuild sums the same days again
        async with db.tenant_tx(pool, 1) as conn:
            assert await books_store.sales_book(conn, 1, DAY.replace(day=1)) == pushed
            return {"book": pushed,
                    "iva": await books_store.iva_summary(conn, 1, DAY.replace(day=1)),
                    "rvd": await rvd_dte.documents_of(conn, 1, DAY)}

    got = data.run(push_and_read)

    # the independent fold: per type, (count, exento, neto, iva, total) of the day's documents and vouchers
    expected: dict[int, list[int]] = {}
    for e in day:
        tipo = card_model.VOUCHER_TIPO if e.document is None else e.document.tipo
        row = expected.setdefault(tipo, [0, 0, 0, 0, 0])
        for n, value in enumerate((1, e.exento, e.neto, e.iva, e.total)):
            row[n] += value
    book: tuple[books.SalesBookRow, ...] = got["book"]
    assert {r.tipo: [r.documentos, r.exento, r.neto, r.iva, r.total] for r in book} == expected
    assert all(r.fecha == DAY and r.summary for r in book)
    vouchers = [e for e in day if e.document is None]
    assert (model is card_model.CardModel.VOUCHER) == bool(vouchers) == (48 in expected)
    assert [(d.tipo, d.folio, d.total) for d in got["rvd"]] == sorted(
        (e.document.tipo, e.document.folio, e.total) for e in day if e.document is not None)

    shift = shift_mod.Shift.open(shifts.ShiftOpened("s1", 1, "ana", 0))
    for e in day:
        shift = shift.apply(e)
    boletas = [r for r in book if r.tipo in (39, 41)]
    assert (shift.boletas, shift.boletas_total) == (sum(r.documentos for r in boletas), sum(r.total for r in boletas))
    assert (shift.vouchers, shift.vouchers_total) == (expected.get(48, [0] * 5)[0], expected.get(48, [0] * 5)[4])
    assert shift.boletas_total + shift.vouchers_total == shift.sales_total == sum(r.total for r in book)
    # the IVA the business owes does not depend on the model it declared
    assert got["iva"].debito == sum(e.iva for e in day) > 0
