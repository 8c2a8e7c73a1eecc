"""The folio hold after a restore of the master: no lease for anyone until every till asked has reported; the
leases the restored master lost come back from the tills' pushes and reports (never leased again); a range whose
CAF is not loaded waits for it; an overlap is refused; an admin may release the hold."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import psycopg_pool
import pytest
from starlette.types import ASGIApp

from shared import signing
from shared.events import folios as folio_events
from syncserver import app as app_mod
from syncserver import backups, cli, tenancy
from syncserver import settings as settings_mod
from syncserver.dte import folio_hold, folios
from syncserver.ingest import epoch as epoch_service
from syncserver.sii.standin_caf import StandinIssuer
from syncserver.store import db as db_mod
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, Till, migrated

SIZES = {"folio_lease_size": 5, "folio_low_water": 2}
IMPORT_SIZES = {"lease_size": 5, "low_water": 2}
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]


def _lease_event(till: Till, desde: int, hasta: int, caf: bytes) -> None:
    till.record(folio_events.FolioLeaseReceived(tipo=39, desde=desde, hasta=hasta, caf_xml=caf.decode("latin-1"),
                                                epoch=till.epoch))


async def _held(pool: psycopg_pool.AsyncConnectionPool, till: Till) -> tuple[bool, bool]:
    """(tenant on hold, this till still asked)."""
    async with db_mod.tenant_tx(pool, till.tenant_id) as conn:
        return (await folios.store.held(conn, till.tenant_id),
                await folio_hold.asked(conn, till.tenant_id, till.terminal_id))


def test_after_a_restore_no_folio_is_leased_twice(pg_database: str, tmp_path: Path) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    issuer = StandinIssuer.generate()
    keys = {**folios.sii_keys(), **issuer.keys()}
    caf = issuer.issue(rut=SAMPLE_RUT, razon_social="X", tipo=39, desde=1, hasta=40, fa=date.today())
    later_caf = issuer.issue(rut=SAMPLE_RUT, razon_social="X", tipo=39, desde=101, hasta=140, fa=date.today())
    tills: dict[str, Till] = {}

    async def before(pool: psycopg_pool.AsyncConnectionPool) -> None:
        tills["a"], tills["b"] = await Till.enroll(pool, 1), await Till.enroll(pool, 1)
        await folios.import_caf(pool, 1, caf, keys=keys, **IMPORT_SIZES)  # a: 1-5, b: 6-10 (in the dump)

    db.run(before)
    a, b = tills["a"], tills["b"]
    assert sorted(db.rows("SELECT desde, hasta FROM folio_leases")) == [(1, 5), (6, 10)]
    if db.rows("SELECT terminal_id FROM folio_leases WHERE desde = 1") != [(a.terminal_id,)]:
        a, b = b, a  # leased in terminal id order: a is the one with 1-5
    dump = tmp_path / "master.dump"
    backups.backup(db.admin_url, dump)
    # after the dump: b sells 6..9 (low water) and is leased 11-15 in that push; it journals the lease, sells 11
    _lease_event(b, 6, 10, caf)
    for folio in (6, 7, 8, 9):
        b.sell(39, folio)
    db.run(lambda pool: b.push(pool, **SIZES))
    assert db.rows("SELECT desde, hasta FROM folio_leases WHERE terminal_id = %s ORDER BY desde",
                   b.terminal_id) == [(6, 10), (11, 15)]
    _lease_event(b, 11, 15, caf)
    b.sell(39, 11)
    # the disk dies: the dump knows neither b's sales nor its lease 11-15; the restore puts leasing on hold
    info = backups.restore(db.admin_url, dump, NOW, replace=True)
    assert info.held == 2
    b.acked = 0  # the master answers gap: b sends again from its first entry (desktop/services/sync.py)

    async def after(pool: psycopg_pool.AsyncConnectionPool) -> None:
        assert await _held(pool, a) == (True, True)
        # a sells down to its low water: no lease while on hold (the next free range, 11-15, is b's)
        for folio in (1, 2, 3, 4):
            a.sell(39, folio)
        ack = await a.push(pool, **SIZES)
        assert (ack.applied, ack.quarantined) == (4, 0)
        assert [x["desde"] for x in await a.leases(pool)] == [1]
        # b re-sends what the master lost: its lease 11-15 comes back with it, and the sale stamped from it counts
        ack = await b.push(pool, **SIZES)
        assert (ack.applied, ack.quarantined) == (7, 0)
        assert await _held(pool, b) == (True, True)  # pushing is not reporting: b may hold more than it sent
        done = await folio_hold.report(pool, 1, b.terminal_id, "centro", [
            folio_hold.HeldLease(39, 6, 10, 1), folio_hold.HeldLease(39, 11, 15, 1)], clock=lambda: NOW)
        assert (done.known, done.leased, done.conflicts) == (2, 0, [])
        assert await _held(pool, b) == (True, False)
        # a reports; the hold ends; a's next push leases 16-20, never one of b's folios
        done = await folio_hold.report(pool, 1, a.terminal_id, "centro", [folio_hold.HeldLease(39, 1, 5, 1)],
                                       clock=lambda: NOW)
        assert done.known == 1 and await _held(pool, a) == (False, False)
        a.sell(39, 5)
        await a.push(pool, **SIZES)
        assert [(x["desde"], x["hasta"]) for x in await a.leases(pool)] == [(1, 5), (16, 20)]

    db.run(after)
    assert db.rows("SELECT count(*) FROM quarantine") == [(0,)]
    documents = db.rows("SELECT folio, terminal_id FROM dte_documents ORDER BY folio")
    assert [f for f, _t in documents] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 11]
    assert {t for f, t in documents if f >= 6} == {b.terminal_id}
    leases = db.rows("SELECT desde, hasta, terminal_id, issued FROM folio_leases ORDER BY desde")
    assert [(x[0], x[1], x[3]) for x in leases] == [(1, 5, 5), (6, 10, 4), (11, 15, 1), (16, 20, 0)]
    assert all(x[1] < y[0] for x, y in itertools.pairwise(leases))
    assert db.rows("SELECT tipo, desde, hasta, state FROM folio_reports") == [(39, 11, 15, "recuperado")]

    # a second restore: a reports a range of a CAF not loaded again yet (kept, skipped) and one overlapping b's
    assert backups.hold_folios(db.admin_url, NOW) == 2

    async def second(pool: psycopg_pool.AsyncConnectionPool) -> None:
        done = await folio_hold.report(pool, 1, a.terminal_id, "centro", [
            folio_hold.HeldLease(39, 1, 5, 1), folio_hold.HeldLease(39, 101, 105, 1),
            folio_hold.HeldLease(39, 14, 18, 1)], clock=lambda: NOW)
        assert (done.known, done.leased, done.without_caf) == (1, 0, 1)
        assert done.conflicts == ["tipo 39, folios 14–18"]
        # still held (b has not reported): a server nota de crédito gets no new lease either
        async with db_mod.tenant_tx(pool, 1) as conn:
            assert await folios.take_server_folio(conn, 1, 39) is None
        assert await folio_hold.release(pool, 1, clock=lambda: NOW) == 1
        assert await _held(pool, b) == (False, False)
        # the CAF loaded again: a's range in it is leased back to a; b and the next lease skip past it
        await folios.import_caf(pool, 1, later_caf, keys=keys, **IMPORT_SIZES)

    db.run(second)
    rows = db.rows("SELECT desde, hasta, terminal_id FROM folio_leases WHERE desde > 100 ORDER BY desde")
    assert (rows[0][0], rows[0][1], rows[0][2]) == (101, 105, a.terminal_id)
    assert all(r[0] > 105 for r in rows[1:])
    leases = db.rows("SELECT desde, hasta FROM folio_leases WHERE terminal_id <> 'hq' ORDER BY desde")
    assert all(x[1] < y[0] for x, y in itertools.pairwise(leases))
    assert db.rows("SELECT desde, state FROM folio_reports ORDER BY desde") == [
        (11, "recuperado"), (14, "conflicto"), (101, "recuperado")]


def test_a_till_enrolled_after_the_dump_and_again_during_the_hold_is_asked_before_the_hold_ends(
        pg_database: str, tmp_path: Path) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    issuer = StandinIssuer.generate()
    keys = {**folios.sii_keys(), **issuer.keys()}
    caf = issuer.issue(rut=SAMPLE_RUT, razon_social="X", tipo=39, desde=1, hasta=40, fa=date.today())
    tills: dict[str, Till] = {}

    async def before(pool: psycopg_pool.AsyncConnectionPool) -> None:
        tills["a"] = await Till.enroll(pool, 1)
        await folios.import_caf(pool, 1, caf, keys=keys, **IMPORT_SIZES)  # a: 1-5 (in the dump)

    db.run(before)
    a = tills["a"]
    dump = tmp_path / "master.dump"
    backups.backup(db.admin_url, dump)

    async def after_the_dump(pool: psycopg_pool.AsyncConnectionPool) -> None:  # c enrolled, leased 6-10, sells 6
        tills["c"] = c = await Till.enroll(pool, 1)
        await epoch_service.first_leases(pool, 1, c.terminal_id, "centro", 1, **SIZES)
        assert [(x["desde"], x["hasta"]) for x in await c.leases(pool)] == [(6, 10)]

    db.run(after_the_dump)
    # the disk dies: the restored master never heard of c; only a is asked
    assert backups.restore(db.admin_url, dump, NOW, replace=True).held == 1

    async def during_the_hold(pool: psycopg_pool.AsyncConnectionPool) -> None:
        c_again = await Till.enroll(pool, 1)  # the technician enrols c again: a new terminal, c's leases at the till
        assert await _held(pool, c_again) == (True, True)  # asked like the terminals the dump knew
        await folio_hold.report(pool, 1, a.terminal_id, "centro", [folio_hold.HeldLease(39, 1, 5, 1)],
                                clock=lambda: NOW)
        assert await _held(pool, a) == (True, False)  # the hold waits for c: its 6-10 is unknown here
        for folio in (1, 2, 3, 4):
            a.sell(39, folio)
        await a.push(pool, **SIZES)
        assert [x["desde"] for x in await a.leases(pool)] == [1]
        done = await folio_hold.report(pool, 1, c_again.terminal_id, "centro", [folio_hold.HeldLease(39, 6, 10, 1)],
                                       clock=lambda: NOW)
        assert (done.leased, done.conflicts) == (1, [])
        assert await _held(pool, a) == (False, False)
        a.sell(39, 5)
        await a.push(pool, **SIZES)
        assert [(x["desde"], x["hasta"]) for x in await a.leases(pool)] == [(1, 5), (11, 15)]  # never c's 6-10

    db.run(during_the_hold)
    leases = db.rows("SELECT desde, hasta FROM folio_leases WHERE terminal_id <> 'hq' ORDER BY desde")
    assert leases == [(1, 5), (6, 10), (11, 15)]


@pytest.mark.parametrize(("body", "message"), [
    ({"leases": "x"}, "se espera"),
    ({"leases": [[39, 1, 5]]}, "cada rango"),
    ({"leases": [[39, 0, 5, 1]]}, "cada rango"),
    ({"leases": [[39, 1, True, 1]]}, "cada rango"),
    ({"leases": [[39, 9, 5, 1]]}, "rango de folios inválido"),
])
def test_a_malformed_report_is_refused_in_spanish(body: object, message: str) -> None:
    with pytest.raises(folio_hold.ReportError, match=message):
        folio_hold.parse_report(body)


def test_the_pull_asks_the_report_answers_and_an_admin_may_release(
        pg_database: str, served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    keys = {n: signing.new_private_key() for n in ("a", "b")}
    ids = {n: str(uuid.uuid4()) for n in keys}

    async def enroll(pool: psycopg_pool.AsyncConnectionPool) -> None:
        for n, key in keys.items():
            code = await tenancy.issue_enrollment_code(pool, 1, "centro", f"Caja {n}")
            await tenancy.enroll(pool, code, signing.public_key(key), ids[n])

    db.run(enroll)
    never_asked = db.run(lambda pool: folio_hold.report(pool, 1, ids["a"], "centro", [
        folio_hold.HeldLease(39, 1, 5, 1)], clock=lambda: NOW))
    assert never_asked == folio_hold.Recovered() and db.rows("SELECT count(*) FROM folio_reports") == [(0,)]
    backups.hold_folios(db.admin_url, NOW)
    app = app_mod.create_app(settings_mod.ServerSettings(database_url=db.app_url, secret_key="test-secret"))

    def signed(n: str, body: bytes) -> dict[str, str]:
        return {"X-Terminal": ids[n], "X-Signature": signing.sign(keys[n], body)}

    async def pull(client: httpx.AsyncClient, n: str) -> list[str]:
        answer = await client.get("/sync/pull?cursor=0&limit=500", headers=signed(n, b"pull?cursor=0&limit=500"))
        assert answer.status_code == 200, answer.text
        return [c["kind"] for c in answer.json()["changes"]]

    async def scenario() -> None:
        async with served(app) as client:
            assert "folio_report" in await pull(client, "a")
            for body, message in ((b"{", "JSON inv"), (b'{"leases": [[39, 5, 1, 1]]}', "rango de folios inv")):
                refused = await client.post("/sync/leases", content=body, headers=signed("a", body))
                assert refused.status_code == 400 and message in refused.json()["message"]
            body = b'{"leases": [[39, 1, 5, 1]]}'
            forged = {"X-Terminal": ids["a"], "X-Signature": signing.sign(keys["b"], body)}  # a's name, b's key
            assert (await client.post("/sync/leases", content=body, headers=forged)).status_code == 401
            done = await client.post("/sync/leases", content=body, headers=signed("a", body))
            assert done.status_code == 200 and done.json() == {"known": 0, "leased": 0, "without_caf": 1,
                                                               "conflicts": []}
            assert "folio_report" not in await pull(client, "a")
            assert "folio_report" in await pull(client, "b")

    asyncio.run(scenario())
    monkeypatch.setenv("ALMACEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ALMACEN_DATABASE_URL", db.app_url)
    monkeypatch.setenv("ALMACEN_SECRET_KEY", "test-secret")
    assert cli.main(["admin", "folios-liberar", "1"]) == 2  # warns, names b, releases nothing
    said = capsys.readouterr().err
    assert "Faltan por informar sus folios: Caja b (centro)" in said and "--confirmar" in said
    assert db.rows("SELECT count(*) FROM folio_holds WHERE released_at IS NOT NULL") == [(0,)]
    assert cli.main(["admin", "folios-liberar", "1", "--confirmar"]) == 0
    assert "Liberado: 1 cajas" in capsys.readouterr().err
    assert cli.main(["admin", "folios-liberar", "1"]) == 0
    assert "No hay folios retenidos" in capsys.readouterr().out
    assert db.rows("SELECT state FROM folio_reports") == [("sin_caf",)]


def test_hq_never_stamps_again_a_folio_of_the_lease_it_held_at_the_restore(pg_database: str, tmp_path: Path) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    issuer = StandinIssuer.generate()
    caf = issuer.issue(rut=SAMPLE_RUT, razon_social="X", tipo=56, desde=1, hasta=40, fa=date.today())
    tills: list[Till] = []

    async def server_folio(pool: psycopg_pool.AsyncConnectionPool) -> int | None:
        async with db_mod.tenant_tx(pool, 1) as conn:
            taken = await folios.take_server_folio(conn, 1, 56)
        return None if taken is None else taken[0]

    async def before(pool: psycopg_pool.AsyncConnectionPool) -> None:
        tills.append(await Till.enroll(pool, 1))
        await folios.import_caf(pool, 1, caf, keys={**folios.sii_keys(), **issuer.keys()}, **IMPORT_SIZES)

    db.run(before)
    assert db.run(server_folio) == 1  # HQ's lease 1-10, in the dump
    dump = tmp_path / "master.dump"
    backups.backup(db.admin_url, dump)
    assert db.run(server_folio) == 2  # a nota de débito HQ stamps after the dump: lost with the disk
    backups.restore(db.admin_url, dump, NOW, replace=True)
    assert db.rows("SELECT issued FROM folio_leases WHERE terminal_id = 'hq'") == [(1,)]  # the dump's count

    async def after(pool: psycopg_pool.AsyncConnectionPool) -> tuple[int | None, int | None]:
        on_hold = await server_folio(pool)  # the next free range may be a till's until every till reported
        await folio_hold.report(pool, 1, tills[0].terminal_id, "centro", [], clock=lambda: NOW)
        return on_hold, await server_folio(pool)

    on_hold, next_folio = db.run(after)
    # HQ's open lease at the restore may have been stamped past the dump's count: never stamped from again
    assert on_hold is None
    assert next_folio is not None and next_folio > 10
    assert backups.SERVER_TERMINAL == folios.SERVER_TERMINAL
