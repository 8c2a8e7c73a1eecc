"""CAFs issued by the SII stand-in are accepted only by a server configured with the stand-in's key, and that key
is refused outside the stand-in environment: a stand-in CAF can never pass for the SII's."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from syncserver import settings as settings_mod
from syncserver.dte import folios
from syncserver.sii import standin_caf
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, migrated


def test_a_standin_caf_imports_only_with_the_standin_key(pg_database: str, tmp_path: Path) -> None:
    issuer = standin_caf.StandinIssuer.generate()
    key_file = tmp_path / "standin.pem"
    key_file.write_bytes(issuer.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                              serialization.PublicFormat.SubjectPublicKeyInfo))
    caf = issuer.issue(rut=SAMPLE_RUT, razon_social="Tenant 1", tipo=39, desde=1, hasta=1000, fa=date.today())
    db = migrated(pg_database, {1: SAMPLE_RUT})
    plain = settings_mod.ServerSettings()
    with pytest.raises(folios.CafImportError, match="IDK"):
        db.run(lambda pool: folios.import_caf(pool, 1, caf, keys=folios.trusted_keys(plain.standin_caf_key)))
    trusting = settings_mod.ServerSettings(standin_caf_key=str(key_file))
    done = db.run(lambda pool: folios.import_caf(pool, 1, caf, keys=folios.trusted_keys(trusting.standin_caf_key)))
    assert (done.tipo, done.desde, done.hasta, done.idk) == (39, 1, 1000, standin_caf.STANDIN_IDK)


def test_the_standin_key_is_refused_outside_the_standin_environment(tmp_path: Path) -> None:
    env = {"ALMACEN_DATA_DIR": str(tmp_path), "ALMACEN_SECRET_KEY": "x", "ALMACEN_SII_ENVIRONMENT": "produccion",
           "ALMACEN_STANDIN_CAF_KEY": str(tmp_path / "standin.pem")}
    with pytest.raises(settings_mod.SettingsError, match="standin_caf_key solo se acepta"):
        settings_mod.load(env=env)
    with pytest.raises(folios.CafImportError, match="no se pudo leer la llave"):
        folios.trusted_keys(str(tmp_path / "missing.pem"))
