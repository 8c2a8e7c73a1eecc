"""``almacen server admin dte-send`` against the stand-in run as its own process (``almacen server sii-standin``,
which prints its URL): the pushed boletas end accepted, first with ``--sii-url`` and the resolution given, then
with the configured environment and the emisor's own resolution."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import psycopg_pool
import pytest

from syncserver import cli
from syncserver.dte import certs, folios
from syncserver.store import schema
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, TODAY, Db, Till, boleta_sale, migrated, sample_caf
from tests.syncserver.dte.sii_kit import PFX_PASSWORD, holder_pfx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def standin_url(tmp_path: Path) -> Iterator[str]:
    caf = tmp_path / "caf39.xml"
    caf.write_bytes(sample_caf(39))
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "syncserver.cli", "sii-standin", "--port", str(port), "--caf",
                                str(caf)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        announced = process.stdout.readline()
        url = f"http://127.0.0.1:{port}"
        assert url in announced, announced
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "the stand-in did not start"
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def test_dte_send_reaches_the_stand_in(pg_database: str, standin_url: str, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    secret = "cli-secret"
    till: list[Till] = []

    async def setup(pool: psycopg_pool.AsyncConnectionPool) -> None:
        till.append(await Till.enroll(pool, 1))
        await folios.import_caf(pool, 1, sample_caf(39), today=TODAY, lease_size=5, low_water=2)
        await certs.store(pool, 1, holder_pfx(), PFX_PASSWORD, secret)
        for folio in (1, 2):
            till[0].record(boleta_sale(folio))
        await till[0].push(pool)

    db.run(setup)
    monkeypatch.setenv("ALMACEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ALMACEN_DATABASE_URL", "postgresql://unused")
    monkeypatch.setenv("ALMACEN_ADMIN_DATABASE_URL", pg_database)
    monkeypatch.setenv("ALMACEN_SECRET_KEY", secret)
    argv = ["admin", "dte-send", "1", "--sii-url", standin_url, "--resolucion-fecha", "2026-01-01"]
    assert cli.main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert first == {"signed": 2, "not_signed": 0, "packed": 2, "sent": 1, "verdicts": 1, "rvd": 0}
    assert db.rows("SELECT folio, state FROM dte_outbox ORDER BY folio") == [(1, "accepted"), (2, "accepted")]
    assert cli.main([*argv[:-1], "ayer"]) == 1
    assert "fecha de resolución inválida" in capsys.readouterr().err

    async def more(pool: psycopg_pool.AsyncConnectionPool) -> None:
        till[0].record(boleta_sale(3))
        await till[0].push(pool)

    Db(db.admin_url, schema.app_url(db.admin_url)).run(more)  # the CLI gave the app role another password
    monkeypatch.setenv("ALMACEN_SII_ENVIRONMENT", "standin")
    monkeypatch.setenv("ALMACEN_SII_URL", standin_url)
    assert cli.main(["admin", "dte-send", "1"]) == 0  # the configured stand-in, the emisor's resolution
    assert json.loads(capsys.readouterr().out)["verdicts"] == 1
    assert db.rows("SELECT folio, state FROM dte_outbox WHERE folio = 3") == [(3, "accepted")]

    # while a server's scheduler works on this tenant (it holds the tenant's pass lock), dte-send waits its turn
    with psycopg.connect(db.admin_url, autocommit=True) as held:
        held.execute("SELECT pg_advisory_lock(hashtextextended('almacen:dte-pass:1', 0))")
        assert cli.main(["admin", "dte-send", "1"]) == 1
        assert "está enviando ahora los documentos de este tenant" in capsys.readouterr().err
    assert cli.main(["admin", "dte-send", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["sent"] == 0
