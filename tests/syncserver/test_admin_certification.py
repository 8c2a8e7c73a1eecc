"""``almacen server admin certificacion``: with the tenant's emisor data and certificate from the database and the
SII's certification CAFs, the test set becomes the envelopes, samples and checklist in the folder; the production
environment, a missing CAF file and a malformed set are refused in Spanish."""

from __future__ import annotations

from pathlib import Path

import psycopg_pool
import pytest

from shared.dte import schema, signature
from syncserver import cli
from syncserver.dte import certs, pipeline
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, SAMPLES, migrated
from tests.syncserver.dte.sii_kit import HOLDER_RUT, PFX_PASSWORD, holder_pfx

SECRET = "cert-secret"
SMALL_SET = ("SET BASICO - NUMERO DE ATENCION: 4352553\r\n\r\nCASO 4352553-1\r\n==============\r\n"
             "DOCUMENTO\tFACTURA ELECTRONICA\r\n\r\nITEM\t\t\tCANTIDAD\tPRECIO UNITARIO\r\n"
             "Cajón AFECTO\t\t\t168\t3490\r\n"
             "\r\nCASO 4352553-2\r\n==============\r\nDOCUMENTO\tNOTA DE CREDITO ELECTRONICA\r\n"
             "REFERENCIA\tFACTURA ELECTRONICA CORRESPONDIENTE A CASO 4352553-1\r\nRAZON REFERENCIA\tANULA FACTURA\r\n"
             "\r\nSET DE PRUEBAS BOLETA ELECTRONICA - NUMERO DE ATENCION: 4352560\r\n\r\nCASO-1\r\n"
             "ITEM\t\tCANTIDAD\tPRECIO UNITARIO\r\nCambio de aceite\t\t1\t19900\r\n")
"""A short set written like the SII's (the whole one runs in tests/syncserver/dte/test_certification.py)."""


def test_certificacion_writes_the_run(pg_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})

    async def setup(pool: psycopg_pool.AsyncConnectionPool) -> None:
        await certs.store(pool, 1, holder_pfx(), PFX_PASSWORD, SECRET)

    db.run(setup)
    monkeypatch.setenv("ALMACEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ALMACEN_DATABASE_URL", "postgresql://unused")
    monkeypatch.setenv("ALMACEN_ADMIN_DATABASE_URL", pg_database)
    monkeypatch.setenv("ALMACEN_SECRET_KEY", SECRET)
    monkeypatch.setenv("ALMACEN_SII_ENVIRONMENT", "produccion")
    cafs = [a for t in (33, 39, 61) for a in ("--caf", str(SAMPLES / f"caf_T{t}_cert_76235291-5_F1-20.xml"))]
    out = tmp_path / "cert"
    set_file = tmp_path / "set_pruebas.txt"
    set_file.write_bytes(SMALL_SET.encode("iso-8859-1"))
    argv = ["admin", "certificacion", "1", str(set_file), *cafs, "--salida", str(out), "--fecha", "2025-05-02",
            "--desde", "33=3"]
    assert cli.main(argv) == 1
    assert "configure sii_environment = 'certificacion' (hoy es 'produccion')" in capsys.readouterr().err

    monkeypatch.setenv("ALMACEN_SII_ENVIRONMENT", "certificacion")
    assert cli.main(argv) == 0
    printed = capsys.readouterr()
    assert "Listo: EnvioDTE_SET_BASICO_4352553.xml (2 documentos)" in printed.err
    envelope = (out / "EnvioDTE_SET_BASICO_4352553.xml").read_bytes()
    assert str(out / "EnvioDTE_SET_BASICO_4352553.xml") in printed.out.splitlines()
    schema.validate(envelope, pipeline.XSD_DIR)
    checks = signature.require_valid(envelope)
    assert {c.rut for c in checks} == {HOLDER_RUT}  # signed with the tenant's stored certificate
    assert b"<RutEnvia>12345678-5</RutEnvia>" in envelope and b"<FchResol>2026-01-01</FchResol>" in envelope
    assert b"<FchEmis>2025-05-02</FchEmis>" in envelope and b"<Folio>3</Folio>" in envelope
    assert len(list((out / "muestras").glob("*.pdf"))) == 4  # the CEDIBLE copy of the factura too
    assert "tipo 33 (factura): 3 a 3" in (out / "LEEME.txt").read_text(encoding="utf-8")

    bad_set = tmp_path / "set.txt"
    bad_set.write_text("SET BASICO - NUMERO DE ATENCION: 1\n\nCASO 1-1\nDOCUMENTO\tFACTURA ELECTRONICA\nITEM\tCANTIDAD"
                       "\tPRECIO UNITARIO\nCajón\tuno\t100\n", encoding="iso-8859-1")
    assert cli.main([*argv[:3], str(bad_set), *argv[4:]]) == 1
    assert "ERROR: línea 6: la cantidad «uno» no es un número" in capsys.readouterr().err

    assert cli.main([*argv, "--caf", str(tmp_path / "no_existe.xml")]) == 1
    assert "ERROR: no se pudo leer el CAF" in capsys.readouterr().err
