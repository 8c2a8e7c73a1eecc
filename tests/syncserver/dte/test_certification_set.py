"""The SII's test set file read into its sets and cases (tests/syncserver/dte/data holds one written like the SII's:
ISO-8859-1, CRLF, tab-separated tables); what is not understood is a Spanish error naming the line."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from syncserver.dte import certification_set as cs

SET_FILE = Path(__file__).parent / "data" / "set_pruebas_76235291-5.txt"


def test_the_sets_cases_items_and_references_are_read() -> None:
    archivo = cs.parse(cs.decode(SET_FILE.read_bytes()))
    basico, boletas = archivo.sets
    assert (basico.nombre, basico.atencion, len(basico.casos)) == ("SET BASICO", "4352553", 8)
    assert [c.tipo for c in basico.casos] == [33, 33, 33, 33, 61, 61, 61, 56]
    first, second, third, fourth = basico.casos[:4]
    assert [(i.nombre, i.cantidad, i.precio, i.exento) for i in first.items] == [
        ("Cajón AFECTO", Decimal(168), Decimal(3490), False), ("Relleno AFECTO", Decimal(71), Decimal(5813), False)]
    assert first.rotulo == "CASO 4352553-1" and first.linea == 3
    assert [i.descuento_pct for i in second.items] == [Decimal(10), Decimal(23)]
    assert [i.exento for i in third.items] == [False, False, True]
    assert fourth.descuento_global_pct == Decimal(22)
    corrige, devolucion, anula, debito = basico.casos[4:]
    assert (corrige.referencia, corrige.razon, corrige.items) == ("4352553-1", "CORRIGE GIRO DEL RECEPTOR", ())
    assert [(i.nombre, i.cantidad, i.precio) for i in devolucion.items] == [
        ("Pañuelo AFECTO", Decimal(278), None), ("ITEM 2 AFECTO", Decimal(477), None)]
    assert (anula.referencia, anula.razon) == ("4352553-3", "ANULA FACTURA")
    assert (debito.referencia, debito.razon) == ("4352553-5", "ANULA NOTA DE CREDITO ELECTRONICA")
    assert boletas.boletas and [c.rotulo for c in boletas.casos] == [f"CASO-{n}" for n in range(1, 6)]
    assert [c.tipo for c in boletas.casos] == [39] * 5
    assert boletas.casos[3].items[1].exento and boletas.casos[4].items[0].unidad == "Kg"
    assert [(o.nombre, o.atencion) for o in archivo.omitidos] == [("SET LIBRO DE VENTAS", "4352554")]
    assert "libro" in archivo.omitidos[0].motivo


def test_an_empty_cell_leaves_its_column_empty() -> None:
    text = ("SET BASICO - NUMERO DE ATENCION: 9\n\nCASO 9-1\n=====\nDOCUMENTO\tFACTURA ELECTRONICA\n\n"
            "ITEM\t\tCANTIDAD\tUNIDAD MEDIDA\tPRECIO UNITARIO\tDESCUENTO ITEM\nA AFECTO\t\t2\t\t100\n"
            "B AFECTO\t3\tKg\t50\t5%\n"
            "C AFECTO\t1\t\t\t70\t\t2%\n")
    items = cs.parse(text).sets[0].casos[0].items
    assert [(i.cantidad, i.unidad, i.precio, i.descuento_pct) for i in items] == [
        (Decimal(2), "", Decimal(100), None), (Decimal(3), "Kg", Decimal(50), Decimal(5)),
        (Decimal(1), "", Decimal(70), Decimal(2))]


def test_a_copy_with_spaces_instead_of_tabs_reads_the_same() -> None:
    text = cs.decode(SET_FILE.read_bytes())
    assert cs.parse(text.replace("\t\t", "  ").replace("\t", "  ")) == cs.parse(text)


def test_a_set_of_documents_this_system_does_not_issue_is_listed_not_built() -> None:
    text = ("SET GUIA DE DESPACHO - NUMERO DE ATENCION: 1\n\nCASO 1-1\n====\nDOCUMENTO\tGUIA DE DESPACHO\n\n"
            "SET FACTURA EXENTA - NUMERO DE ATENCION: 2\n\nCASO 2-1\n====\nDOCUMENTO\tFACTURA DE COMPRA ELECTRONICA\n")
    archivo = cs.parse(text)
    assert archivo.sets == ()
    assert [o.motivo.split()[0] for o in archivo.omitidos] == ["guías", "documentos"]


_HEAD = "SET BASICO - NUMERO DE ATENCION: 9\n\nCASO 9-1\n=====\nDOCUMENTO\tFACTURA ELECTRONICA\n\n"


@pytest.mark.parametrize(("text", "message"), [
    ("hola\n", "línea 1: se esperaba el encabezado «SET"),
    ("", "no trae ningún set"),
    (_HEAD + "ITEM\tCANTIDAD\tPRECIO UNITARIO\nCajón AFECTO\tdoce\t3490\n",
     "línea 8: la cantidad «doce» no es un número"),
    (_HEAD + "ITEM\tCANTIDAD\tPRECIO UNITARIO\tDESCUENTO ITEM\nCajón\t1\t3490\t4\n",
     "línea 8: el descuento «4» no es un porcentaje"),
    (_HEAD + "ITEM\tCANTIDAD\tCOLOR\nCajón\t1\trojo\n", "línea 7: columna desconocida «COLOR»"),
    (_HEAD + "Cajón AFECTO\t1\t3490\n", "línea 7: no se entiende «Cajón AFECTO"),
    (_HEAD + "ITEM\tCANTIDAD\tPRECIO UNITARIO\nCajón\t1\t3490\t9\n", "línea 8: el ítem «Cajón"),
    (_HEAD, "línea 3: el CASO 9-1 no trae ítems"),
    (_HEAD + "ITEM\tCANTIDAD\tPRECIO UNITARIO\nCajón\t1\t10\n\nCASO 9-2\n===\nDOCUMENTO\tNOTA DE CREDITO ELECTRONICA\n"
     "REFERENCIA\tFACTURA ELECTRONICA CORRESPONDIENTE A CASO 9-7\nRAZON REFERENCIA\tANULA FACTURA\n",
     "línea 10: el CASO 9-2 modifica el caso 9-7, que no está antes"),
    (_HEAD + "ITEM\tCANTIDAD\tPRECIO UNITARIO\nCajón\t1\t10\n\nCASO 9-2\n===\nDOCUMENTO\tNOTA DE CREDITO ELECTRONICA\n"
     "REFERENCIA\tFACTURA ELECTRONICA\n", "línea 13: la referencia no nombra el caso"),
    (_HEAD + "ITEM\tCANTIDAD\tPRECIO UNITARIO\nCajón\t1\t10\n\nCASO 9-2\n===\nDOCUMENTO\tNOTA DE CREDITO ELECTRONICA\n",
     "línea 10: el CASO 9-2 es una nota y no dice qué caso modifica"),
    ("SET BASICO - NUMERO DE ATENCION: 9\nCASO 9-1\nITEM\tCANTIDAD\tPRECIO UNITARIO\nx\t1\t1\n",
     "línea 2: el CASO 9-1 no dice qué documento es"),
    (_HEAD.replace("FACTURA", "FACTURA ELECTR\ufffdNICA"), "línea 5: hay caracteres ilegibles"),
])
def test_what_is_not_understood_names_its_line(text: str, message: str) -> None:
    with pytest.raises(cs.TestSetError) as raised:
        cs.parse(text)
    assert message in str(raised.value)


def test_the_sii_file_is_read_as_iso_8859_1_and_utf8_copies_too() -> None:
    raw = SET_FILE.read_bytes()
    assert "Cajón" in cs.decode(raw)
    assert cs.decode(cs.decode(raw).encode("utf-8")) == cs.decode(raw)
