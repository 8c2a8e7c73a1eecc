"""``almacen server admin catalog-import`` / ``catalog-export``: the same import as HQ's, from the command line."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from syncserver import cli

HEADER = "sku,name,brand,category,price,sold_by,barcode,plu,iva_exempt,favourite,stock\n"


def test_catalog_import_and_export_from_the_command_line(pg_database: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ALMACEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ALMACEN_DATABASE_URL", "postgresql://unused")
    monkeypatch.setenv("ALMACEN_ADMIN_DATABASE_URL", pg_database)
    monkeypatch.setenv("ALMACEN_SECRET_KEY", "test-secret")

    def admin(*argv: str) -> tuple[int, str, str]:
        code = cli.main(["admin", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    assert admin("tenant-add", "1", "Almacenes Don Pepe")[0] == 0
    source = tmp_path / "catalogo.csv"
    source.write_text(HEADER + "A-1,Leche,,Lácteos,1.150,,7801234567894,,,,\nA-2,Pan,,Panadería,19.9,kg,,,,,\n",
                      "utf-8")
    code, _, err = admin("catalog-import", "1", str(source), "--revisar")
    assert code == 1 and "fila 3, columna «price»" in err and "1 filas se pueden importar" in err
    rejects = tmp_path / "rechazadas.csv"
    code, _, err = admin("catalog-import", "1", str(source), "--rechazadas", str(rejects))
    assert code == 1 and "1 productos nuevos, 0 actualizados; 1 filas con problemas" in err
    assert "A-2" in rejects.read_text("utf-8-sig")
    code, _, err = admin("catalog-import", "1", str(source))  # again: its barcode is its own, so an update
    assert code == 1 and "0 productos nuevos, 1 actualizados" in err
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + "Ñ,Ñandú,,X,1,,,,,,\n").encode("cp1252"))
    code, _, err = admin("catalog-import", "1", str(latin))
    assert code == 1 and "no está en UTF-8" in err
    assert admin("catalog-import", "1", str(latin), "--codificacion", "cp1252")[0] == 0
    code, out, _ = admin("catalog-export", "1")
    assert code == 0 and out.splitlines()[1:] == ["A-1,Leche,,Lácteos,1150,unidad,7801234567894,,0,0,0,1",
                                                  "Ñ,Ñandú,,X,1,unidad,,,0,0,0,1"]
    with psycopg.connect(pg_database) as conn:
        assert conn.execute("SELECT count(*) FROM changes WHERE tenant_id = 1").fetchone() == (3,)
        assert conn.execute("SELECT version FROM products WHERE sku = 'A-1'").fetchone() == (2,)
