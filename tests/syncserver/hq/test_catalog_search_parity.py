"""HQ's catalog search finds what the till's search finds: the same products, imported through HQ and pulled into a
till journal, give the same SKUs for every query (accents, hyphens and case ignored on both sides)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.drivers.fakes import FakeDrawer, FakePrinter
from desktop.journal import read_models
from desktop.services import sync as till_sync
from shared import catalog_import as ci
from syncserver import catalog_import
from syncserver.store import db, products
from tests.syncserver.hq.hq_support import FAST, World

CSV = """sku,name,brand,category,price
S-1,"Coca-Cola 1,5 L",Coca-Cola,Bebidas,1990
S-2,Té Supremo Ceylán 20 bolsitas,Supremo,Abarrotes,1290
S-3,Ñoquis de papa 500 g,Carozzi,Pastas,1590
S-4,Leche Descremada Colún 1 L,Colún,Lácteos,1150
S-5,Pan amasado,,Panadería,2490
S-6,Detergente líquido OMO,Unilever,Limpieza,8990
S-7,Jugo en polvo Zuko piña,Zuko,Bebidas,290
S-8,Pisco Mistral 35°,Mistral,Licores,6990
"""
QUERIES = ["coca", "COCA-COLA", "cocacola", "coca cola", "cola 1", "te", "té", "ceylan", "noquis", "ÑOQ", "colun",
           "lacteos", "leche desc", "pan", "amasado pan", "liquido omo", "piña", "pina", "zuko jugo", "35",
           "bebidas", "l", "x", "de", "mistral 35"]


def test_hq_and_the_till_find_the_same_products(world: World, tmp_path: Path) -> None:
    table = ci.read_csv(CSV.encode())
    assert len(table.rows) == 8, table.rows

    async def hq(pool: Any) -> dict[str, set[str]]:
        from datetime import UTC, datetime
        outcome = await catalog_import.run(pool, 1, table, None, now=datetime(2026, 11, 20, tzinfo=UTC))
        assert outcome.created == 8 and not outcome.rejected, outcome
        found = {}
        async with db.tenant_tx(pool, 1) as conn:
            for query in QUERIES:
                _total, rows = await products.search(conn, 1, query, 100, 0)
                found[query] = {r["sku"] for r in rows if r["sku"].startswith("S-")}
            feed = await (await conn.execute("SELECT kind, key, data FROM changes WHERE tenant_id = 1 AND key LIKE"
                                             " 'S-%%' ORDER BY change_id")).fetchall()
        return {**found, "__feed__": feed}  # type: ignore[dict-item]

    result = world.run(hq)
    feed = result.pop("__feed__")
    settings = settings_mod.TerminalSettings(data_dir=tmp_path / "caja", tenant_id=1, store_id="centro",
                                             terminal_id="t-1")
    term = terminal_mod.build(settings, create=True, printer=FakePrinter(), drawer=FakeDrawer(), hasher=FAST)
    try:
        for kind, key, data in feed:
            term.journal.append(till_sync._event({"kind": kind, "key": key, "data": data}))
        till = {q: {p.sku for p in read_models.search(term.journal.conn, q, limit=100)} for q in QUERIES}
    finally:
        term.close()
    assert result == till
    assert till["noquis"] == {"S-3"} and till["pina"] == {"S-7"} and till["colun"] == {"S-4"}
    assert till["x"] == set()
    assert till["cocacola"] == till["coca cola"] == {"S-1"}


@pytest.mark.parametrize("query", ["cola-1", "  té  "])
def test_the_fold_splits_and_folds_as_the_till(query: str) -> None:
    assert ci.search_words(query) in (["cola", "1"], ["te"])
