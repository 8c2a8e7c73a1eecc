"""``almacen dte import FILE``: a supplier's EnvioDTE registered in a till's journal with a JSON summary, refused
(exit 1) when it is there already or for another RUT, exit 2 for hostile XML, and ``--dry-run`` records nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop import cli
from desktop.journal import sqlite_store
from shared.events import registry
from tests import supplier_dte as sd

SAMPLE = sd.SAMPLE_F13


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    """A new till (``almacen pos init``) whose terminal.toml says the store is the sample's receptor."""
    data = tmp_path / "caja"
    data.mkdir()
    (data / "terminal.toml").write_text('[store]\nrut = "77.447.842-6"\n', "utf-8")
    assert cli.main(["pos", "init", "--data", str(data)]) == 0
    return data / "journal.sqlite3"


def _events(path: Path) -> list[str]:
    j = sqlite_store.SqliteJournal.open(path, codec=registry.build_codec(), clock=lambda: None, new_id=str)
    try:
        return [e.type for e in j.read()]
    finally:
        j.close()


def test_import_prints_the_summary_and_refuses_a_second_time(journal: Path, tmp_path: Path, capsys) -> None:
    assert cli.main(["dte", "import", str(SAMPLE), "--journal", str(journal), "--dry-run"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dry_run"] and not out["imported"] and _events(journal) == []

    assert cli.main(["dte", "import", str(SAMPLE), "--journal", str(journal)]) == 0
    out = json.loads(capsys.readouterr().out)
    [doc] = out["documents"]
    assert out["imported"] and out["warehouse"] == "demo-store"
    assert doc["supplier"] == {"rut": "76235291-5", "razon_social": "Diseño y Entretenimientos Within Play Ltda.",
                               "giro": "Impresión Comercialización Informática Publicidad Diseño"}
    assert (doc["tipo"], doc["folio"], doc["neto"], doc["iva_credito_fiscal"], doc["total"]) == (
        33, 13, 999043, 189818, 1188861)
    # a till without a catalog knows none of the lines: they are kept, without moving stock
    assert (doc["lines_matched"], doc["lines_unmatched"]) == (0, 2)
    assert [x["name"] for x in doc["unmatched"]] == ["Cajón AFECTO", "Relleno AFECTO"]
    assert _events(journal) == ["purchase.received"]

    assert cli.main(["dte", "import", str(SAMPLE), "--journal", str(journal)]) == 1
    captured = capsys.readouterr()
    assert not json.loads(captured.out)["imported"]
    assert "ya registrado el" in captured.err
    assert _events(journal) == ["purchase.received"]


def test_import_refusals_and_their_exit_status(journal: Path, tmp_path: Path, capsys) -> None:
    other = tmp_path / "otra" / "journal.sqlite3"
    other.parent.mkdir()
    assert cli.main(["pos", "init", "--data", str(other.parent)]) == 0  # the demo store's RUT, 76.235.291-5
    capsys.readouterr()
    assert cli.main(["dte", "import", str(SAMPLE), "--journal", str(other)]) == 1
    assert "documento emitido a otro RUT (77447842-6)" in capsys.readouterr().err
    hostile = tmp_path / "hostile.xml"
    hostile.write_bytes(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><DTE>&e;</DTE>')
    assert cli.main(["dte", "import", str(hostile), "--journal", str(journal)]) == 2
    assert "XML rechazado por seguridad" in capsys.readouterr().err
    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(SAMPLE.read_bytes().replace(b"<MontoItem>412723<", b"<MontoItem>412724<"))
    assert cli.main(["dte", "import", str(tampered), "--journal", str(journal)]) == 1
    assert "la firma XML no es válida" in capsys.readouterr().err
    assert cli.main(["dte", "import", str(tmp_path / "no-existe.xml"), "--journal", str(journal)]) == 2
    assert _events(journal) == [] and _events(other) == []


def test_import_registers_a_factura_whose_timbre_was_signed_over_the_dd_as_written(journal: Path, tmp_path: Path,
                                                                                    capsys) -> None:
    literal = tmp_path / "literal.xml"
    literal.write_bytes(sd.literal_timbre_envio("77447842-6"))
    assert cli.main(["dte", "import", str(literal), "--journal", str(journal)]) == 0
    [doc] = json.loads(capsys.readouterr().out)["documents"]
    assert (doc["tipo"], doc["folio"], doc["neto"]) == (33, 7, 7960)
    assert _events(journal) == ["purchase.received"]
    # the same file with the total changed in the timbre is refused and nothing is recorded
    data = literal.read_bytes()
    mnt = data[data.index(b"<MNT>"):data.index(b"</MNT>")]
    literal.write_bytes(data.replace(mnt, mnt + b"0", 1).replace(b"<Folio>7<", b"<Folio>9<"))
    assert cli.main(["dte", "import", str(literal), "--journal", str(journal)]) == 1
    assert "FRMT" in capsys.readouterr().err
    assert _events(journal) == ["purchase.received"]
