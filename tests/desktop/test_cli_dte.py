"""``almacen dte verify FILE``: a JSON verdict and an exit status a script can trust."""

from __future__ import annotations

import json
from pathlib import Path

from desktop import cli

SAMPLES = Path(__file__).parents[1] / "data" / "sii" / "samples"


def test_verify_exit_status_and_json(tmp_path: Path, capsys) -> None:
    good = SAMPLES / "enviodte_T33_cert_76235291-5_F13.xml"
    assert cli.main(["dte", "verify", str(good)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] and out["kind"] == "EnvioDTE" and out["documents"][0]["folio"] == 13
    assert cli.main(["dte", "verify", str(SAMPLES / "caf_T39_cert_76235291-5_F1-20.xml")]) == 0
    capsys.readouterr()
    assert cli.main(["dte", "verify", str(SAMPLES / "envioboleta_T39_prod_libredte_F18094.xml")]) == 1
    out = json.loads(capsys.readouterr().out)
    assert "alterado" in out["documents"][0]["signature"]["reason"]
    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(good.read_bytes().replace(b"<MntTotal>", b"<MntTotal>1", 1))
    assert cli.main(["dte", "verify", str(tampered)]) == 1
    capsys.readouterr()
    hostile = tmp_path / "hostile.xml"
    hostile.write_bytes(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><DTE>&a;</DTE>')
    assert cli.main(["dte", "verify", str(hostile)]) == 2
    assert "seguridad" in capsys.readouterr().err
    assert cli.main(["dte", "verify", str(tmp_path / "missing.xml")]) == 2


def test_verify_accepts_a_timbre_signed_over_the_dd_as_written_and_names_the_form(tmp_path: Path, capsys) -> None:
    from tests import supplier_dte as sd

    literal = tmp_path / "literal.xml"
    literal.write_bytes(sd.literal_timbre_envio("77447842-6"))
    assert cli.main(["dte", "verify", str(literal)]) == 0
    ted = json.loads(capsys.readouterr().out)["documents"][0]["ted"]
    assert (ted["valid"], ted["signed_form"]) == (True, "literal")
    good = SAMPLES / "enviodte_T33_cert_76235291-5_F13.xml"
    assert cli.main(["dte", "verify", str(good)]) == 0
    assert json.loads(capsys.readouterr().out)["documents"][0]["ted"]["signed_form"] == "canonical"
