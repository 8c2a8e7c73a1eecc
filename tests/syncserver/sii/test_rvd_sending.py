"""The daily sales report (RVD) goes out with the DTE passes: with the setting ``rvd_enabled`` a pass (the
scheduler's, ``almacen server admin dte-send``'s) builds yesterday's RVD after signing and uploads it in that same
pass, and the SII (stand-in, uvicorn) accepts it; with the setting off nothing is built, the documents still go."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import psycopg_pool
import pytest
from lxml import etree

from shared.dte import schema
from syncserver import app as app_mod
from syncserver import cli, sii_standin
from syncserver import settings as settings_mod
from syncserver.dte import certs, folios, pipeline
from syncserver.sii import forwarder, scheduler, worker
from syncserver.sii.ws import endpoints as ep
from tests.syncserver.dte.dte_kit import sale
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, SECRET, TODAY, Db, Till, migrated, sample_caf
from tests.syncserver.dte.sii_kit import PFX_PASSWORD, execute, holder_pfx, sii_client, standin_url

NS = {"s": "http://www.sii.cl/SiiDte"}
RESOLUTION = forwarder.Resolution(date(2026, 1, 1), 0)
PAN = ("Pan Batido", 1990, "1", False)
LECHE = ("Leche Entera 1 L", 1150, "2", False)


def _yesterday(now: datetime) -> date:
    return now.astimezone(folios.CHILE).date() - timedelta(days=1)


def _master_and_sii(pg_database: str) -> tuple[Db, sii_standin.StandIn]:
    """A migrated master (tenant 1, the sample CAFs' RUT) and a stand-in that knows the sample CAF 39."""
    db = migrated(pg_database, {1: SAMPLE_RUT})
    standin = sii_standin.StandIn()
    standin.register_caf(sample_caf(39))
    return db, standin


def _pin_clock(standin: sii_standin.StandIn) -> tuple[datetime, date]:
    """A moment 5 s from now, set as the stand-in's clock, and the Chilean day before it."""
    now = datetime.now(UTC) + timedelta(seconds=5)
    standin.at(now)
    return now, _yesterday(now)


async def _setup(pool: psycopg_pool.AsyncConnectionPool, day: date, today: datetime | None = None) -> Till:
    """Tenant 1 with the CAF 39, a certificate, and two boletas stamped on ``day`` (one more at ``today``)."""
    till = await Till.enroll(pool, 1)
    await folios.import_caf(pool, 1, sample_caf(39), today=TODAY, lease_size=5, low_water=2)
    await certs.store(pool, 1, holder_pfx(), PFX_PASSWORD, SECRET)
    till.record(sale([PAN], 1, when=datetime.combine(day, clock(10, 0))))
    till.record(sale([LECHE, PAN], 2, when=datetime.combine(day, clock(21, 30))))
    if today is not None:
        till.record(sale([PAN], 3, when=today.astimezone(folios.CHILE).replace(tzinfo=None, microsecond=0)))
    await till.push(pool)
    return till


def _rvds(db: Db) -> list[tuple[Any, ...]]:
    return db.rows("SELECT r.day, r.sec_envio, r.documents, r.total, e.state, e.sii_estado, e.track_id, e.xml"
                   " FROM rvd_reports r JOIN dte_envelopes e ON e.tenant_id = r.tenant_id"
                   " AND e.envelope_id = r.envelope_id WHERE e.kind = 'ConsumoFolios' ORDER BY r.day, r.sec_envio")


def _wait_for(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_a_pass_with_rvd_enabled_sends_yesterdays_rvd(pg_database: str, serve_in_thread: Any) -> None:
    db, standin = _master_and_sii(pg_database)
    now, day = _pin_clock(standin)

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> tuple[Any, Any, Any]:
            await _setup(pool, day, today=now)
            async with sii_client(url) as client:
                first = await scheduler.run_pass(pool, SECRET, client, now=now, build_rvd=True)
                uploads = standin.uploads
                later = now + timedelta(minutes=1)
                standin.at(later)
                second = await worker.run_once(pool, 1, SECRET, client, RESOLUTION, now=later, build_rvd=True)
                return first, second, uploads

        first, second, uploads = db.run(work)
    # signed, RVD built, packed, and both envelopes (the RVD first) sent and answered in the same pass
    assert first == {1: worker.PassResult(signed=3, not_signed=0, packed=3, sent=2, verdicts=2, rvd=1)}
    assert second == worker.PassResult(signed=0, not_signed=0, packed=0, sent=0, verdicts=0, rvd=0)
    assert standin.uploads == uploads == 2  # nothing built or uploaded again
    [(reported, sec, documents, total, state, estado, track, xml)] = _rvds(db)
    assert (reported, sec, documents, total) == (day, 1, 2, 1990 + 2300 + 1990)
    assert (state, estado) == ("done", "EPR") and track
    assert standin.envios[track].kind == "ConsumoFolios" and standin.envios[track].estado == "EPR"
    assert bytes(xml) in standin.bodies
    assert standin.requests.count("POST " + ep.DTE_UPLOAD) == 1  # the boletas went through the REST API
    schema.validate(bytes(xml), pipeline.XSD_DIR)
    root = etree.fromstring(bytes(xml))
    assert root.findtext(".//s:Caratula/s:FchInicio", namespaces=NS) == day.isoformat()
    assert root.findtext(".//s:Caratula/s:FchFinal", namespaces=NS) == day.isoformat()
    [resumen] = root.iterfind(".//s:Resumen", NS)
    assert resumen.findtext("s:TipoDocumento", namespaces=NS) == "39"
    assert resumen.findtext("s:MntTotal", namespaces=NS) == str(1990 + 2300 + 1990)
    assert resumen.findtext("s:FoliosEmitidos", namespaces=NS) == "2"  # today's boleta waits for tomorrow's RVD
    assert db.rows("SELECT folio, state FROM dte_outbox ORDER BY folio") == [(1, "accepted"), (2, "accepted"),
                                                                           (3, "accepted")]


def test_the_scheduler_builds_the_rvd_only_when_enabled(pg_database: str, serve_in_thread: Any) -> None:
    db, standin = _master_and_sii(pg_database)
    day = _yesterday(datetime.now(UTC))
    db.run(lambda pool: _setup(pool, day))

    def accepted() -> bool:
        return db.rows("SELECT count(*) FROM dte_outbox WHERE state = 'accepted'") == [(2,)]

    def rvd_done() -> bool:
        return any(r[0] == day and r[4] == "done" for r in _rvds(db))

    with standin_url(serve_in_thread, standin) as sii_url:
        settings = settings_mod.ServerSettings(database_url=db.app_url, secret_key=SECRET, dte_interval=0.2,
                                               sii_environment="standin", sii_url=sii_url)
        with serve_in_thread(app_mod.create_app(settings)):  # rvd_enabled off (the default)
            _wait_for(accepted, "the boletas")  # a whole pass ran: signing, (no) RVD, packing, sending, polling
        assert db.rows("SELECT count(*) FROM dte_envelopes WHERE kind = 'ConsumoFolios'") == [(0,)]
        assert db.rows("SELECT count(*) FROM rvd_reports") == [(0,)]
        with serve_in_thread(app_mod.create_app(settings.with_overrides(rvd_enabled=True))):
            _wait_for(rvd_done, "the RVD's verdict")
    rows = [r for r in _rvds(db) if r[0] == day]
    assert [(sec, documents, state, estado) for _, sec, documents, _, state, estado, _, _ in rows] == [
        (1, 2, "done", "EPR")]
    assert standin.envios[rows[0][6]].kind == "ConsumoFolios"


def test_dte_send_builds_and_sends_the_rvd_when_enabled(pg_database: str, serve_in_thread: Any, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    db, standin = _master_and_sii(pg_database)
    day = _yesterday(datetime.now(UTC))
    db.run(lambda pool: _setup(pool, day))
    monkeypatch.setenv("ALMACEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ALMACEN_DATABASE_URL", "postgresql://unused")
    monkeypatch.setenv("ALMACEN_ADMIN_DATABASE_URL", pg_database)
    monkeypatch.setenv("ALMACEN_SECRET_KEY", SECRET)
    monkeypatch.setenv("ALMACEN_RVD_ENABLED", "sí")
    with standin_url(serve_in_thread, standin) as url:
        assert cli.main(["admin", "dte-send", "1", "--sii-url", url]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rvd"] >= 1 and out["signed"] == 2 and out["verdicts"] == out["sent"] == out["rvd"] + 1
    [(sec, documents, state, estado, track)] = [(r[1], r[2], r[4], r[5], r[6]) for r in _rvds(db) if r[0] == day]
    assert (sec, documents, state, estado) == (1, 2, "done", "EPR") and standin.envios[track].kind == "ConsumoFolios"


def test_a_day_that_cannot_be_reported_does_not_hold_back_the_documents(pg_database: str, serve_in_thread: Any,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="syncserver.dte.rvd")
    db, standin = _master_and_sii(pg_database)
    now, day = _pin_clock(standin)
    db.run(lambda pool: _setup(pool, day))
    # a boleta of the day before whose sale cannot be read (its event is missing): that day cannot be summarised,
    # and neither the documents nor the next day's RVD wait for it
    before = day - timedelta(days=1)
    execute(db.admin_url, "INSERT INTO dte_documents (tenant_id, tipo, folio, sale_id, terminal_id, epoch, seq,"
            " stamped_at, ted) VALUES (1, 39, 9, 'perdida', 'otra-caja', 1, 1, %s, '<TED/>')", f"{before}T12:00:00")

    with standin_url(serve_in_thread, standin) as url:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> worker.PassResult:
            async with sii_client(url) as client:
                return await worker.run_once(pool, 1, SECRET, client, RESOLUTION, now=now, build_rvd=True)

        result = db.run(work)
    assert result == worker.PassResult(signed=2, not_signed=0, packed=2, sent=2, verdicts=2, rvd=1)
    assert db.rows("SELECT folio, state FROM dte_outbox ORDER BY folio") == [(1, "accepted"), (2, "accepted")]
    assert db.rows("SELECT day FROM rvd_reports") == [(day,)]
    [failure] = [r for r in caplog.records if r.getMessage() == "rvd day not built"]
    assert "N° 9" in getattr(failure, "error", "") and getattr(failure, "day", "") == before.isoformat()
