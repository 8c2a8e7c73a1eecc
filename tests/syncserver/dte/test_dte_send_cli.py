"""``almacen server admin dte-send`` against the stand-in run as its own process (``python -m
syncserver.sii_standin``): the pushed boletas end accepted."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg_pool
import pytest
from folio_kit import SAMPLE_RUT, SAMPLES, TODAY, Till, boleta_sale, migrated, sample_caf

from syncserver import cli
from syncserver.dte import certs, folios


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def standin_url(tmp_path: Path) -> Iterator[str]:
    caf = tmp_path / "caf39.xml"
    caf.write_bytes(sample_caf(39))
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "syncserver.sii_standin", "--port", str(port), "--caf",
                                str(caf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(url + "/sii/envio/0", timeout=1).status_code == 404:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "the stand-in did not start"
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        if process.stderr is not None:
            process.stderr.close()


def test_dte_send_reaches_the_stand_in(pg_database: str, standin_url: str, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    secret = "cli-secret"

    async def setup(pool: psycopg_pool.AsyncConnectionPool) -> None:
        till = await Till.enroll(pool, 1)
        await folios.import_caf(pool, 1, sample_caf(39), today=TODAY, lease_size=5, low_water=2)
        await certs.store(pool, 1, (SAMPLES / "test_cert_selfsigned_testpass.pfx").read_bytes(), "testpass", secret,
                          datetime(2026, 1, 1, tzinfo=UTC))
        for folio in (1, 2):
            till.record(boleta_sale(folio))
        await till.push(pool)

    db.run(setup)
    monkeypatch.setenv("ALMACEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ALMACEN_DATABASE_URL", "postgresql://unused")
    monkeypatch.setenv("ALMACEN_ADMIN_DATABASE_URL", pg_database)
    monkeypatch.setenv("ALMACEN_SECRET_KEY", secret)
    argv = ["admin", "dte-send", "1", "--sii-url", standin_url, "--resolucion-fecha", "2026-01-01"]
    assert cli.main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert first == {"signed": 2, "not_signed": 0, "packed": 2, "sent": 1, "verdicts": 1}
    assert db.rows("SELECT folio, state FROM dte_outbox ORDER BY folio") == [(1, "accepted"), (2, "accepted")]
    assert cli.main([*argv[:-1], "ayer"]) == 1
