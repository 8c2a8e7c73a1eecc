"""``almacen dte pdf FILE [--out DIR] [--cedible]``: one PDF per DTE of a file, clear errors and exit statuses."""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path

import pytest

from desktop import cli
from shared.dte import xmlcore

SAMPLES = Path(__file__).parents[1] / "data" / "sii" / "samples"
SET_BASICO = SAMPLES / "enviodte_set_basico_T33_T56_T61_cert_76235291-5.xml"


def _text(path: Path) -> str:
    binary = shutil.which("pdftotext")
    if binary is None:
        pytest.fail("pdftotext is not installed: run ./scripts/setup (apt package poppler-utils)")
    out = subprocess.run([binary, "-layout", str(path), "-"], capture_output=True, check=True, timeout=60).stdout
    return " ".join(out.decode("utf-8").split())


def test_pdf_writes_one_file_per_dte_of_an_envelope(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pdfs"
    assert cli.main(["dte", "pdf", str(SET_BASICO), "--out", str(out), "--cedible"]) == 0
    printed = capsys.readouterr().out.split()
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["76235291-5_T33F17_cedible.pdf", "76235291-5_T33F18_cedible.pdf",
                            "76235291-5_T33F19_cedible.pdf", "76235291-5_T33F20_cedible.pdf", "76235291-5_T61F12.pdf",
                            "76235291-5_T61F13.pdf", "76235291-5_T61F14.pdf", "76235291-5_T56F7.pdf"])
    assert sorted(Path(p).name for p in printed) == names
    factura = _text(out / "76235291-5_T33F17_cedible.pdf")
    assert "FACTURA ELECTRÓNICA" in factura and "N° 17" in factura and "CEDIBLE" in factura
    assert "Res. 0 de 2025" in factura  # the envelope's Carátula


def test_pdf_of_a_lone_dte_needs_the_resolution(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = xmlcore.parse(SET_BASICO.read_bytes())
    dte = next(root.iter("{http://www.sii.cl/SiiDte}DTE"))
    lone = tmp_path / "F17T33.xml"
    lone.write_bytes(xmlcore.to_bytes(copy.deepcopy(dte)))
    assert cli.main(["dte", "pdf", str(lone), "--out", str(tmp_path)]) == 2
    assert "resolución" in capsys.readouterr().err
    assert cli.main(["dte", "pdf", str(lone), "--out", str(tmp_path), "--resolucion-numero", "80",
                     "--resolucion-anio", "2014", "--unidad-sii", "Santiago Oriente", "--papel", "a4"]) == 0
    text = _text(tmp_path / "76235291-5_T33F17.pdf")
    assert "Res. 80 de 2014" in text and "S.I.I. - SANTIAGO ORIENTE" in text and "CEDIBLE" not in text


def test_pdf_refuses_what_it_cannot_print(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hostile = tmp_path / "hostile.xml"
    hostile.write_bytes(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]><DTE>&a;</DTE>')
    assert cli.main(["dte", "pdf", str(hostile), "--out", str(tmp_path)]) == 2
    assert "seguridad" in capsys.readouterr().err
    assert cli.main(["dte", "pdf", str(SAMPLES / "caf_T33_cert_76235291-5_F1-20.xml"), "--out", str(tmp_path)]) == 2
    assert "no es un DTE" in capsys.readouterr().err
    assert cli.main(["dte", "pdf", str(tmp_path / "missing.xml")]) == 2
    assert "no se puede leer" in capsys.readouterr().err
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a folder")
    assert cli.main(["dte", "pdf", str(SET_BASICO), "--out", str(blocked)]) == 3
    assert "no se puede escribir" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.pdf"))
