"""CAF import: the SII signature for its IDK, the tenant's RUT, expiry, duplicates; leases follow at once."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import psycopg
import psycopg_pool
import pytest

from shared.dte import caf as caf_mod
from syncserver import cli
from syncserver.dte import folios
from syncserver.sii.standin_caf import StandinIssuer
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, Till, migrated, sample_caf

TODAY = date(2026, 11, 22)


def test_a_sample_caf_imports_byte_for_byte_and_refusals_say_why(pg_database: str) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT, 2: "77.888.999-0", 3: ""})
    data = sample_caf(39)

    def attempt(tenant: int, blob: bytes, today: date = TODAY) -> str:
        async def work(pool: psycopg_pool.AsyncConnectionPool) -> str:
            try:
                done = await folios.import_caf(pool, tenant, blob, today=today)
            except folios.CafImportError as exc:
                return f"ERROR {exc}"
            return f"OK {done.tipo} {done.desde}-{done.hasta} {done.rut} {done.idk}"
        return str(db.run(work))

    assert attempt(1, data) == "OK 39 1-20 76235291-5 100"
    [(stored, rut, idk)] = db.rows("SELECT caf_xml, rut, idk FROM cafs WHERE tenant_id = 1")
    assert stored.encode("iso-8859-1") == data and (rut, idk) == ("76235291-5", 100)
    assert "DISEÑO" in stored  # ISO-8859-1 read as such

    assert "duplicado" in attempt(1, data)
    assert "otro RUT" in attempt(2, data) or "76235291-5" in attempt(2, data)
    assert "no tiene RUT" in attempt(3, data)
    tampered = re.sub(rb"<H>20</H>", b"<H>21</H>", data)
    assert attempt(1, tampered).startswith("ERROR CAF rechazado")
    assert "ERROR" in attempt(1, b"<AUTORIZACION><CAF>")
    hostile = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><AUTORIZACION/>'
    assert attempt(1, hostile).startswith("ERROR CAF ilegible")

    factura = sample_caf(33)
    fa = caf_mod.parse_caf(factura).fecha_autorizacion
    expired = attempt(1, factura, today=fa + timedelta(days=181))
    assert expired.startswith("ERROR CAF rechazado") and "venc" in expired.lower()
    assert attempt(1, factura, today=fa + timedelta(days=10)).startswith("OK 33")
    assert db.rows("SELECT tenant_id, tipo FROM cafs ORDER BY tipo") == [(1, 33), (1, 39)]


def test_stand_in_cafs_need_the_stand_in_key_and_overlaps_are_refused(pg_database: str) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    issuer = StandinIssuer.generate()
    big = issuer.issue(rut=SAMPLE_RUT, razon_social="DISEÑO", tipo=39, desde=1, hasta=500, fa=TODAY)
    overlapping = issuer.issue(rut=SAMPLE_RUT, razon_social="DISEÑO", tipo=39, desde=400, hasta=900, fa=TODAY)

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> list[str]:
        out = []
        for blob, keys in ((big, None), (big, issuer.keys()), (overlapping, issuer.keys())):
            try:
                await folios.import_caf(pool, 1, blob, keys=keys, today=TODAY)
                out.append("OK")
            except folios.CafImportError as exc:
                out.append(str(exc))
        return out

    unknown, ok, overlap = db.run(work)
    assert "9999" in unknown and ok == "OK" and "se superpone" in overlap


def test_import_leases_to_active_terminals_through_their_store_feed(pg_database: str) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> tuple[list[dict[str, object]], ...]:
        a, b = await Till.enroll(pool, 1), await Till.enroll(pool, 1)
        done = await folios.import_caf(pool, 1, sample_caf(39), today=TODAY, lease_size=5, low_water=3)
        assert done.leases == 2
        return await a.leases(pool), await b.leases(pool)

    leases_a, leases_b = db.run(work)
    assert len(leases_a) == len(leases_b) == 1
    assert sorted((x["tipo"], x["desde"], x["hasta"]) for x in leases_a + leases_b) == [(39, 1, 5), (39, 6, 10)]
    assert str(leases_a[0]["caf_xml"]).encode("iso-8859-1") == sample_caf(39)


def test_admin_caf_import_command(pg_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ALMACEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ALMACEN_DATABASE_URL", "postgresql://unused")
    monkeypatch.setenv("ALMACEN_ADMIN_DATABASE_URL", pg_database)
    monkeypatch.setenv("ALMACEN_SECRET_KEY", "test-secret")
    caf_file = tmp_path / "caf.xml"
    caf_file.write_bytes(sample_caf(41))
    assert cli.main(["admin", "tenant-add", "1", "Diseño", "--rut", SAMPLE_RUT]) == 0
    assert cli.main(["admin", "caf-import", "1", str(caf_file)]) == 0
    assert "CAF importado: tipo 41, folios 1–20" in capsys.readouterr().err
    assert cli.main(["admin", "caf-import", "1", str(caf_file)]) == 1
    assert "duplicado" in capsys.readouterr().err
    assert cli.main(["admin", "caf-import", "1", str(tmp_path / "missing.xml")]) == 1
    assert cli.main(["admin", "folios", "1"]) == 0
    assert '"tipo": 41' in capsys.readouterr().out
    # the same as `almacen server caf import|list`
    other = tmp_path / "caf39.xml"
    other.write_bytes(sample_caf(39))
    assert cli.main(["caf", "import", "1", str(other)]) == 0
    assert "CAF importado: tipo 39, folios 1–20" in capsys.readouterr().err
    assert cli.main(["caf", "list", "1"]) == 0
    assert '"tipo": 39' in capsys.readouterr().out


def test_a_caf_another_tenant_holds_is_refused(pg_database: str) -> None:
    """One RUT is one tenant, so only a master from before that rule can hold such a CAF: it is not imported twice."""
    db = migrated(pg_database, {1: SAMPLE_RUT, 2: "77.888.999-0"})
    with psycopg.connect(pg_database) as admin:  # tenant 2 got folios 11–30 of tenant 1's RUT when RUTs could repeat
        admin.execute("INSERT INTO cafs (tenant_id, tipo, desde, hasta, rut, fecha_autorizacion, idk, caf_xml)"
                      " VALUES (2, 39, 11, 30, '76235291-5', %s, 100, '<AUTORIZACION/>')", (TODAY,))

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> str:
        with pytest.raises(folios.CafImportError) as refused:
            await folios.import_caf(pool, 1, sample_caf(39), today=TODAY)  # folios 1–20 of RUT 76.235.291-5
        return str(refused.value)

    assert db.run(work) == ("los folios 1–20 del tipo 39 de este RUT ya están en otra empresa de este servidor: un"
                            " CAF sirve a una sola empresa")
    assert db.rows("SELECT tenant_id, desde FROM cafs") == [(2, 11)]
