"""The tenant's .pfx: refused when it does not open or is out of date, stored encrypted, read back with the server
secret only, and never in the change feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg_pool
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from syncserver import cli
from syncserver.dte import certs
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, SAMPLES, migrated


def fresh_pfx(password: bytes, days: int = 365) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Firma Prueba")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=days)).sign(key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(b"firma", key, cert, None,
                                                 serialization.BestAvailableEncryption(password))


def test_certificate_is_checked_encrypted_and_read_back(pg_database: str) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    sample = (SAMPLES / "test_cert_selfsigned_testpass.pfx").read_bytes()
    before_expiry = datetime(2026, 1, 1, tzinfo=UTC)

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> None:
        with pytest.raises(certs.CertificateUploadError, match="contraseña"):
            await certs.store(pool, 1, sample, "wrong", "secret-a", before_expiry)
        with pytest.raises(certs.CertificateUploadError, match="venció"):
            await certs.store(pool, 1, sample, "testpass", "secret-a")  # the sample expired in August 2026
        with pytest.raises(certs.CertificateUploadError, match="no existe"):
            await certs.store(pool, 9, sample, "testpass", "secret-a", before_expiry)
        stored = await certs.store(pool, 1, sample, "testpass", "secret-a", before_expiry)
        assert stored.subject == "CN=Test Cert"
        signer = await certs.load_signer(pool, 1, "secret-a")
        assert signer.certificate.subject.rfc4514_string() == "CN=Test Cert"
        with pytest.raises(certs.CertificateUploadError, match="descifrar"):
            await certs.load_signer(pool, 1, "secret-b")
        with pytest.raises(certs.CertificateUploadError, match="no tiene certificado"):
            await certs.load_signer(pool, 2, "secret-a")

    db.run(work)
    [(pfx_encrypted, password_encrypted)] = db.rows("SELECT pfx_encrypted, password_encrypted FROM"
                                                    " tenant_certificates")
    assert sample not in bytes(pfx_encrypted) and b"testpass" not in bytes(password_encrypted)
    leaked = "SELECT count(*) FROM changes WHERE strpos(data::text, 'pfx') > 0 OR strpos(kind, 'cert') > 0"
    assert db.rows(leaked) == [(0,)]


def test_admin_cert_upload(pg_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ALMACEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ALMACEN_DATABASE_URL", "postgresql://unused")
    monkeypatch.setenv("ALMACEN_ADMIN_DATABASE_URL", pg_database)
    monkeypatch.setenv("ALMACEN_SECRET_KEY", "test-secret")
    pfx, password = tmp_path / "firma.pfx", tmp_path / "clave.txt"
    pfx.write_bytes(fresh_pfx(b"s3creta"))
    password.write_text("s3creta\n")
    wrong = tmp_path / "mala.txt"
    wrong.write_text("otra\n")
    assert cli.main(["admin", "tenant-add", "1", "Diseño", "--rut", SAMPLE_RUT]) == 0
    assert cli.main(["admin", "cert-upload", "1", str(pfx), "--password-file", str(wrong)]) == 1
    assert "contraseña" in capsys.readouterr().err
    assert cli.main(["admin", "cert-upload", "1", str(pfx), "--password-file", str(password)]) == 0
    assert "Certificado guardado (cifrado): CN=Firma Prueba" in capsys.readouterr().err
