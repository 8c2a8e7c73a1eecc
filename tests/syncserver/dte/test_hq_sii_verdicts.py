"""What the accountant reads in HQ after the SII answered: on "Documentos" the SII's reason of each rejected boleta
and the reparos of each one accepted with reparos (each text once), with the track id; on "Reporte de ventas diarias
(RVD)" every reported day with its state (built, sent with its track id, accepted, rejected with the SII's text, a
day sent again), and a note when ``rvd_enabled`` is off. Real pipeline against the stand-in (uvicorn), real
PostgreSQL; another tenant's documents and reports never show."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any

import httpx
import psycopg_pool
from argon2 import PasswordHasher
from starlette.types import ASGIApp

from syncserver import app as app_mod
from syncserver import settings as settings_mod
from syncserver import sii_standin
from syncserver.dte import certs, folios, rvd
from syncserver.hq import auth
from syncserver.sii import forwarder, worker
from tests.syncserver.dte import folio_kit as kit
from tests.syncserver.dte.dte_kit import sale
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, SECRET, TODAY, Db, Till, migrated, sample_caf
from tests.syncserver.dte.sii_kit import PFX_PASSWORD, execute, holder_pfx, sii_client, standin_url

Served = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]
RESOLUTION = forwarder.Resolution(date(2026, 1, 1), 0)
PAN = ("Pan Batido", 1990, "1", False)
GIRO = "Giro del emisor no autorizado"
DIRECCION = "Dirección del emisor incompleta"
OTHER_MARKERS = ("Motivo secreto de La Esquina", "Reparo secreto de La Esquina", "Carátula secreta de La Esquina",
                 "880088", "770077", "15-01-2026", "$77.777")
_TAG = re.compile(r"<[^>]+>")
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _rows(html: str) -> list[str]:
    """The text of each body row of the page's table, tags stripped and spaces collapsed."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [" ".join(_TAG.sub(" ", chunk).split()) for chunk in body.split("<tr>")[1:]]


def _app(db: Db, **settings: Any) -> Any:
    """Another server app on the same database (the HQ logins already exist)."""
    app = app_mod.create_app(settings_mod.ServerSettings(database_url=db.app_url, secret_key="test-secret",
                                                         **settings))
    app.state.hq_hasher = FAST
    return app


def _other_tenant(db: Db) -> None:
    """Tenant 2's own rejected and objected documents and a rejected RVD, put in as the admin role."""
    for folio, state, estado, glosa in ((3, "rejected", "RCH", OTHER_MARKERS[0]),
                                        (4, "accepted_objections", "RPR", OTHER_MARKERS[1])):
        execute(db.admin_url, "INSERT INTO dte_documents (tenant_id, tipo, folio, sale_id, terminal_id, epoch, seq,"
                " stamped_at, ted) VALUES (2, 39, %s, 'x', 't2', 1, %s, '2026-01-15T10:00:00', '<TED/>')", folio, folio)
        execute(db.admin_url, "INSERT INTO dte_outbox (tenant_id, tipo, folio, state, track_id, sii_estado, sii_glosa,"
                " last_error) VALUES (2, 39, %s, %s, '880088', %s, %s, %s)", folio, state, estado, glosa,
                glosa if state == "rejected" else None)
    execute(db.admin_url, "INSERT INTO dte_envelopes (tenant_id, envelope_id, kind, xml, state, track_id, sii_estado,"
            " sii_glosa) VALUES (2, 990001, 'ConsumoFolios', '\\x00', 'done', '770077', 'RCT', %s)", OTHER_MARKERS[2])
    execute(db.admin_url, "INSERT INTO rvd_reports (tenant_id, day, sec_envio, envelope_id, fingerprint, documents,"
            " total) VALUES (2, '2026-01-15', 1, 990001, 'f', 7, 77777)")


def test_hq_shows_the_sii_verdicts_of_documents_and_rvds(pg_database: str, served: Served,
                                                         serve_in_thread: Any) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT, 2: "77.888.999-0"})
    _other_tenant(db)
    db.run(lambda pool: auth.create_login(pool, 2, "rosa@esquina.cl", "Rosa", kit.HQ_PASSWORD, FAST))
    standin = sii_standin.StandIn(pending_polls=1)
    standin.register_caf(sample_caf(39))
    standin.reject(39, 3, GIRO)
    standin.object(39, 4, DIRECCION)
    now = datetime.now(UTC) + timedelta(seconds=5)
    local = now.astimezone(folios.CHILE)
    if local.time() >= clock(23, 40):
        # the second pass runs 10 minutes later and must fall on the same day in Chile (else one more RVD is due):
        # start just after midnight instead (later than the database's clock, never earlier)
        now = datetime.combine(local.date() + timedelta(days=1), clock(0, 0, 5), folios.CHILE).astimezone(UTC)
    standin.at(now)
    day = now.astimezone(folios.CHILE).date() - timedelta(days=1)
    first_day = day - timedelta(days=2)

    async def setup(pool: psycopg_pool.AsyncConnectionPool) -> int:
        till = await Till.enroll(pool, 1)
        await folios.import_caf(pool, 1, sample_caf(39), today=TODAY, lease_size=5, low_water=2)
        await certs.store(pool, 1, holder_pfx(), PFX_PASSWORD, SECRET)
        till.record(sale([PAN], 1, when=datetime.combine(first_day, clock(9, 0))))
        for folio in (2, 3, 4):
            till.record(sale([PAN], folio, when=datetime.combine(day, clock(11, folio))))
        await till.push(pool)
        built = await rvd.build_due(pool, 1, SECRET, now=now)  # first_day, the day between (zeros), day
        till.record(sale([PAN, PAN], 5, when=datetime.combine(first_day, clock(20, 0))))  # a till pushes late
        await till.push(pool)
        return built

    assert db.run(setup) == 3
    # the stored RVD of the day without sales is damaged: the SII will find its signature broken
    execute(db.admin_url, "UPDATE dte_envelopes e SET xml = convert_to(replace(convert_from(e.xml, 'LATIN1'),"
            " '<FoliosEmitidos>0<', '<FoliosEmitidos>7<'), 'LATIN1') FROM rvd_reports r WHERE r.tenant_id = 1"
            " AND r.envelope_id = e.envelope_id AND r.day = %s", first_day + timedelta(days=1))
    pages: dict[str, str] = {}

    async def visit(client: httpx.AsyncClient, name: str) -> None:
        for path in ("/hq/documentos", "/hq/documentos/rvd"):
            response = await client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            pages[f"{name} {path}"] = response.text

    def hq(app: Any, name: str, email: str = "") -> None:
        async def scenario() -> None:
            async with served(app) as client:
                if email:
                    page = await client.get("/hq/login")
                    done = await client.post("/hq/login", data={"csrf": kit.csrf_token(page.text), "email": email,
                                                                "password": kit.HQ_PASSWORD})
                    assert done.status_code == 303
                else:
                    await kit.hq_login(client)
                await visit(client, name)
                if name == "final":
                    only = await client.get("/hq/documentos?estado=rejected")
                    pages["rejected only"] = only.text
        asyncio.run(scenario())

    with standin_url(serve_in_thread, standin) as url:
        async def send(pool: psycopg_pool.AsyncConnectionPool, when: datetime) -> worker.PassResult:
            standin.at(when)
            async with sii_client(url) as client:
                return await worker.run_once(pool, 1, SECRET, client, RESOLUTION, now=when, build_rvd=True)

        assert db.run(lambda pool: send(pool, now)) == worker.PassResult(
            signed=5, not_signed=0, packed=5, sent=5, verdicts=0, rvd=1)  # first_day again, SecEnvio 2
        app = kit.hq_app(db, rvd_enabled=True)
        hq(app, "sent")
        assert db.run(lambda pool: send(pool, now + timedelta(minutes=10))).verdicts == 5
        hq(app, "final")
    hq(_app(db), "disabled")  # the same login, a server with rvd_enabled off (the default)
    hq(_app(db, rvd_enabled=True), "tenant 2", email="rosa@esquina.cl")

    tracks = dict(db.rows("SELECT folio, track_id FROM dte_outbox WHERE tenant_id = 1"))
    rvd_tracks = {(d, s): t for d, s, t in db.rows(
        "SELECT r.day, r.sec_envio, e.track_id FROM rvd_reports r JOIN dte_envelopes e ON e.tenant_id = r.tenant_id"
        " AND e.envelope_id = r.envelope_id WHERE r.tenant_id = 1")}
    assert all(tracks.values()) and len(rvd_tracks) == 4 and all(rvd_tracks.values())

    # while the SII processes them: sent, with their track ids
    sent = _rows(pages["sent /hq/documentos"])
    assert len(sent) == 5 and all("Enviado al SII" in row for row in sent)
    assert all(tracks[folio] in " ".join(sent) for folio in tracks)
    assert "N° de envío (track id)" in pages["sent /hq/documentos"]
    sent_rvd = _rows(pages["sent /hq/documentos/rvd"])
    assert len(sent_rvd) == 4 and all("Enviado al SII" in row for row in sent_rvd)
    assert [row.split()[0] for row in sent_rvd] == [d.strftime("%d-%m-%Y") for d in (
        day, day - timedelta(days=1), first_day, first_day)]
    assert all(rvd_tracks[key] in " ".join(sent_rvd) for key in rvd_tracks)
    assert "desactivado" not in pages["sent /hq/documentos/rvd"]

    # the verdicts: each document's SII text once, with its code
    docs = {int(row.split()[2]): row for row in _rows(pages["final /hq/documentos"])}
    assert sorted(docs) == [1, 2, 3, 4, 5]
    assert "Rechazado" in docs[3] and "Motivo del SII:" in docs[3] and docs[3].count(GIRO) == 1
    assert "(código SII RCH)" in docs[3] and tracks[3] in docs[3] and "Corregir con nota de crédito" in docs[3]
    assert "Aceptado con reparos" in docs[4] and "Reparos del SII:" in docs[4] and docs[4].count(DIRECCION) == 1
    assert "(código SII RPR)" in docs[4] and "Motivo del SII" not in docs[4] and tracks[4] in docs[4]
    for folio in (1, 2, 5):
        assert "Aceptado" in docs[folio] and "SII:" not in docs[folio] and tracks[folio] in docs[folio]
    rejected_only = _rows(pages["rejected only"])
    assert len(rejected_only) == 1 and GIRO in rejected_only[0]

    # the RVD: accepted, rejected with the SII's reason, the day sent again
    final = _rows(pages["final /hq/documentos/rvd"])
    assert [row.split()[:2] for row in final] == [[day.strftime("%d-%m-%Y"), "1"],
                                                  [(day - timedelta(days=1)).strftime("%d-%m-%Y"), "1"],
                                                  [first_day.strftime("%d-%m-%Y"), "2"],
                                                  [first_day.strftime("%d-%m-%Y"), "1"]]
    today_row, zeros, again, replaced = final
    assert "Aceptado" in today_row and rvd_tracks[(day, 1)] in today_row and "3 $5.970" in today_row
    assert "Rechazado" in zeros and "Motivo del SII:" in zeros and "firma" in zeros and "(código SII RFR)" in zeros
    assert zeros.count("Rechazado por error en firma") == 1
    assert "Aceptado" in again and "2 $5.970" in again and "Reemplazado" not in again
    assert "Aceptado" in replaced and "1 $1.990" in replaced and "Reemplazado por el envío N° 2" in replaced
    assert "desactivado" not in pages["final /hq/documentos/rvd"]
    assert 'href="/hq/documentos/rvd"' in pages["final /hq/documentos"]

    # rvd_enabled off: the same reports, and the note
    assert ("El envío del RVD está desactivado en la configuración (rvd_enabled)"
            in pages["disabled /hq/documentos/rvd"])
    assert _rows(pages["disabled /hq/documentos/rvd"]) == final

    # tenant isolation: tenant 2 sees its own rows, tenant 1 never does (and the reverse)
    other = pages["tenant 2 /hq/documentos"] + pages["tenant 2 /hq/documentos/rvd"]
    assert all(marker in other for marker in OTHER_MARKERS)
    assert GIRO not in other and DIRECCION not in other and "error en firma" not in other
    other_rows = " ".join(_rows(pages["tenant 2 /hq/documentos"]) + _rows(pages["tenant 2 /hq/documentos/rvd"]))
    assert not any(t in other_rows for t in (*tracks.values(), *rvd_tracks.values()))
    for name, html in pages.items():
        if not name.startswith("tenant 2"):
            assert not any(marker in html for marker in OTHER_MARKERS), name
