"""Fuzz what writes on the server, against the throwaway PostgreSQL: pushes to ``/sync/push`` signed by an enrolled
till (its real journal re-sealed to continue what the server holds, then mutated), catalog imports and CAF imports.
No input gets a 500 or another exception; every refusal is in Spanish and leaves every table as it was."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import orjson
import psycopg_pool
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import catalog_import as rules
from shared import signing
from shared.events import envelope
from syncserver import bootstrap, catalog_import, tenancy
from syncserver.dte import folios
from tests.fuzz import batch_kit, catalog_kit, fuzz_kit, xml_kit
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, sample_caf
from tests.syncserver.hq.hq_support import World

KEY = signing.new_private_key()


@dataclass
class Server:
    """A migrated master with tenant 1 (store centro, terminal caja-1 enrolled with ``KEY``) served over HTTP."""

    world: World
    url: str
    client: httpx.Client
    head: tuple[int, str] = (0, envelope.GENESIS_HASH)
    """(seq, hash) of the last entry the server acknowledged: the next batch continues from it."""


@pytest.fixture
def server(pg_database: str, serve_in_thread: Callable[[object], AbstractContextManager[str]]) -> Iterator[Server]:
    world = World(pg_database, bootstrap.migrate(pg_database))

    async def setup(pool: psycopg_pool.AsyncConnectionPool) -> None:
        await tenancy.create_tenant(pool, 1, "Almacenes Don Pepe", SAMPLE_RUT)
        await tenancy.create_store(pool, 1, "centro", "Centro")
        code = await tenancy.issue_enrollment_code(pool, 1, "centro", "Caja 1")
        await tenancy.enroll(pool, code, signing.public_key(KEY), "caja-1")

    world.run(setup)
    with serve_in_thread(world.app()) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield Server(world, url, client)


def _continuation(server: Server, journal: list[envelope.Envelope], data: st.DataObject) -> list[dict[str, Any]]:
    """Envelope bodies of a slice of the till's journal, as caja-1 of centro would send them next."""
    start = data.draw(st.integers(0, len(journal) - 1))
    entries = journal[start:start + data.draw(st.integers(1, 6))]
    seq = server.head[0] + 1
    return [{**e.body(), "tenant_id": 1, "store_id": "centro", "terminal_id": "caja-1", "epoch": 1, "seq": seq + i}
            for i, e in enumerate(entries)]


def _push(server: Server, body: bytes) -> None:
    """The oracle: no 500; a refusal is JSON with its code and a Spanish message and leaves every table as it was."""
    before = server.world.checksum()
    with fuzz_kit.bounded(60):
        response = server.client.post("/sync/push", content=body, headers={
            "X-Terminal": "caja-1", "X-Signature": signing.sign(KEY, body), "Content-Type": "application/json"})
    assert response.status_code < 500, response.text
    answer = response.json()
    if response.status_code == 200:
        if answer["acked_seq"] > server.head[0]:
            server.head = (answer["acked_seq"], answer["acked_hash"])
        return
    assert answer["error"] and fuzz_kit.spanish(answer["message"]), answer
    assert server.world.checksum() == before, f"{response.status_code} {answer} wrote"


def _batch_bytes(bodies: list[dict[str, Any]], prev_hash: str, sealed: list[envelope.Envelope] | None) -> bytes:
    first = bodies[0]
    events = [e.to_dict() for e in sealed] if sealed else bodies
    return batch_kit.dumps({"protocol": 1, "tenant_id": 1, "store_id": "centro", "terminal_id": "caja-1", "epoch": 1,
                            "from_seq": first.get("seq", 1) if isinstance(first, dict) else 1, "prev_hash": prev_hash,
                            "events": events})


@fuzz_kit.budget(suite=12, weight=0.02)
@given(data=st.data())
def test_signed_pushes_of_mutated_batches_never_500_nor_half_write(server: Server, till_journal: list[Any],
                                                                   data: st.DataObject) -> None:
    bodies = _continuation(server, till_journal, data)
    mode = data.draw(st.sampled_from(("payload", "payload", "envelope", "batch", "bytes")))
    if mode == "payload":  # a chain the server accepts, carrying a changed payload: the codec and the rules decide
        at = data.draw(st.integers(0, len(bodies) - 1))
        payload = data.draw(batch_kit.mutated_tree(dict(bodies[at]["payload"]))).value
        bodies[at] = {**bodies[at], "payload": payload if isinstance(payload, dict) else {"x": payload}}
        sealed = batch_kit.resealed(bodies, server.head[1])
        body = _batch_bytes(bodies, server.head[1], sealed)
    elif mode == "envelope":  # a field of an envelope changed, then sealed again if it still can be
        at = data.draw(st.integers(0, len(bodies) - 1))
        changed = data.draw(batch_kit.mutated_tree(bodies[at], 1)).value
        bodies[at] = changed if isinstance(changed, dict) else bodies[at]
        body = _batch_bytes(bodies, server.head[1], batch_kit.resealed(bodies, server.head[1]))
    else:
        valid = _batch_bytes(bodies, server.head[1], batch_kit.resealed(bodies, server.head[1]))
        body = (batch_kit.dumps(data.draw(batch_kit.mutated_tree(orjson.loads(valid))).value) if mode == "batch"
                else data.draw(fuzz_kit.mutated(valid)))
    _push(server, body)


@pytest.fixture
def master(pg_database: str) -> World:
    world = World(pg_database, bootstrap.migrate(pg_database))

    async def setup(pool: psycopg_pool.AsyncConnectionPool) -> None:
        await tenancy.create_tenant(pool, 1, "Almacenes Don Pepe", SAMPLE_RUT)
        await tenancy.create_store(pool, 1, "centro", "Centro")

    world.run(setup)
    return world


@fuzz_kit.budget(suite=10, weight=0.02)
@given(st.lists(catalog_kit.products(), min_size=1, max_size=5).flatmap(
    lambda items: catalog_kit.mutated_rows(catalog_kit.rows_of(items))), st.sampled_from(("csv", "xlsx")))
def test_catalog_imports_write_every_accepted_row_or_nothing(master: World, rows: list[list[str]], kind: str) -> None:
    data = catalog_kit.csv_bytes(rows, ";") if kind == "csv" else catalog_kit.xlsx_bytes(rows)
    before = master.checksum()
    products_before = master.rows("SELECT count(*) FROM products")[0][0]
    with fuzz_kit.bounded(60):
        try:
            table = catalog_import.read_file(data, f"catalogo.{kind}")
        except rules.ImportFileError as exc:
            assert fuzz_kit.spanish(str(exc)), str(exc)
            return

        async def work(pool: psycopg_pool.AsyncConnectionPool) -> catalog_import.Outcome | str:
            try:
                return await catalog_import.run(pool, 1, table, None, now=datetime(2026, 11, 20, 15, tzinfo=UTC))
            except catalog_import.ImportRefused as exc:
                return str(exc)
        outcome = master.run(work)
    if isinstance(outcome, str):
        assert fuzz_kit.spanish(outcome), outcome
        assert master.checksum() == before, "a refused import wrote"
        return
    assert master.rows("SELECT count(*) FROM products")[0][0] == products_before + outcome.created
    assert all(r.problems for r in outcome.rejected)


@fuzz_kit.budget(suite=10, weight=0.02)
@given(st.sampled_from((33, 39, 61)).flatmap(lambda tipo: st.one_of(
    xml_kit.mutated_xml(sample_caf(tipo)), fuzz_kit.mutated(sample_caf(tipo)), st.just(sample_caf(tipo)))))
def test_caf_imports_store_a_verified_caf_or_nothing(master: World, data: bytes) -> None:
    before = master.checksum()
    with fuzz_kit.bounded(60):
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> folios.ImportedCaf | str:
            try:
                return await folios.import_caf(pool, 1, data, today=date(2025, 5, 2))
            except folios.CafImportError as exc:
                return str(exc)
        outcome = master.run(work)
    if isinstance(outcome, str):
        assert fuzz_kit.spanish(outcome), outcome
        assert master.checksum() == before, "a refused CAF import wrote"
    else:
        assert master.rows("SELECT caf_xml FROM cafs WHERE tipo = %s AND desde = %s", outcome.tipo,
                           outcome.desde)[0][0].encode("iso-8859-1") == data


