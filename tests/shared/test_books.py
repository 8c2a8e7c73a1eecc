"""shared.books: the books' lines, totals and IVA summary against folds written here, and the CSV read back."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import books

MONTH = date(2026, 11, 1)


def doc(tipo: int, folio: int, day: int, neto: int = 0, iva: int = 0, exento: int = 0, *, rut: str = "76086428-5",
        name: str = "Cliente SpA", store: str = "s1", ref: tuple[int, int] | None = None) -> books.Document:
    return books.Document(tipo, folio, date(2026, 11, day), rut, name, exento, neto, iva, neto + iva + exento,
                          store_id=store, ref_tipo=ref[0] if ref else None, ref_folio=ref[1] if ref else None)


def test_boletas_are_summed_per_day_and_type_facturas_and_notas_stay_one_line_each() -> None:
    docs = [doc(39, 10, 3, 840, 160), doc(39, 12, 3, 1681, 319), doc(41, 5, 3, exento=500), doc(39, 13, 4, 100, 19),
            doc(33, 7, 3, 10000, 1900), doc(61, 2, 3, 840, 160, ref=(39, 10))]
    rows = books.sales_book(docs)
    assert [(r.fecha.day, r.tipo, r.folio, r.folio_hasta, r.documentos) for r in rows] == [
        (3, 33, 7, 7, 1), (3, 39, 10, 12, 2), (3, 41, 5, 5, 1), (3, 61, 2, 2, 1), (4, 39, 13, 13, 1)]
    summary = rows[1]
    assert summary.summary and summary.rut == books.ANONYMOUS_RUT
    assert (summary.neto, summary.iva, summary.total) == (2521, 479, 3000)
    nota = rows[3]
    assert (nota.sign, nota.ref_tipo, nota.ref_folio) == (-1, 39, 10)


def test_by_store_keeps_each_stores_boletas_apart() -> None:
    docs = [doc(39, 1, 3, 84, 16, store="a"), doc(39, 2, 3, 84, 16, store="b")]
    assert len(books.sales_book(docs)) == 1
    assert [r.store_id for r in books.sales_book(docs, by_store=True)] == ["a", "b"]


def test_a_document_a_seller_does_not_book_or_a_negative_amount_is_refused_in_spanish() -> None:
    with pytest.raises(books.BookError, match="no va en el libro de ventas"):
        books.sales_book([doc(52, 1, 3)])
    with pytest.raises(books.BookError, match="monto negativo"):
        books.sales_book([doc(33, 1, 3, neto=-5)])
    with pytest.raises(books.BookError, match="resumen de boletas tipo 33"):
        books.boleta_summary(33, date(2026, 11, 3), 1, 1, 1, 0, 84, 16, 100)
    with pytest.raises(books.BookError, match="no es válido"):
        books.boleta_summary(39, date(2026, 11, 3), 1, 1, 0, 0, 84, 16, 100)
    with pytest.raises(books.BookError, match="remanente"):
        books.iva_summary(MONTH, (), (), remanente_anterior=-1)


def test_purchase_book_leaves_out_boletas_and_guias_and_orders_by_date_supplier() -> None:
    docs = [doc(33, 9, 5, 1000, 190, rut="2-7"), doc(39, 1, 1, 84, 16), doc(52, 4, 1), doc(61, 3, 2, 100, 19),
            doc(33, 2, 5, 500, 95, rut="1-9")]
    rows = books.purchase_book(docs)
    assert [(r.fecha.day, r.rut, r.tipo, r.folio) for r in rows] == [
        (2, "76086428-5", 61, 3), (5, "1-9", 33, 2), (5, "2-7", 33, 9)]


def test_iva_summary_debito_minus_credito_and_the_carry() -> None:
    sales = books.sales_book([doc(39, 1, 3, 8403, 1597), doc(61, 1, 4, 840, 160), doc(56, 1, 4, 100, 19)])
    purchases = books.purchase_book([doc(33, 1, 2, 5000, 950), doc(61, 2, 2, 1000, 190)])
    s = books.iva_summary(MONTH, sales, purchases, remanente_anterior=300)
    assert (s.debito, s.credito) == (1597 - 160 + 19, 950 - 190)
    assert s.remainder == 1456 - 760 - 300 and s.to_pay == 396 and s.carry == 0
    big = books.iva_summary(MONTH, sales, books.purchase_book([doc(33, 1, 2, 10000, 1900)]))
    assert big.remainder == 1456 - 1900 and big.to_pay == 0 and big.carry == 444
    assert [(g.tipo, g.documentos, g.iva) for g in s.debito_by_tipo] == [(39, 1, 1597), (56, 1, 19), (61, 1, -160)]


def test_carried_runs_the_excess_credit_through_the_months() -> None:
    assert books.carried([]) == 0
    assert books.carried([(100, 300), (50, 0), (500, 0)]) == 0
    assert books.carried([(100, 300), (50, 0)]) == 150
    assert books.carried([(100, 300), (50, 100)]) == 250


def test_csv_opens_in_excel_and_reads_back_as_the_rows() -> None:
    rows = books.sales_book([doc(39, 10, 3, 840, 160), doc(33, 7, 9, 10000, 1900, name="Almacén «Ñuñoa»; Ltda"),
                             doc(61, 2, 9, 840, 160, ref=(33, 7))])
    data = books.sales_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    read = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert read[0] == list(books.SALES_HEADER)
    assert read[1] == ["1", "39", "Del Giro", "66666666-6", "Resumen boletas del día (1)", "10", "10", "1",
                       "03/11/2026", "0", "840", "160", "1000", "", "", ""]
    assert read[2][4] == "Almacén «Ñuñoa»; Ltda" and read[2][8] == "09/11/2026"
    assert read[3][13:15] == ["33", "7"]
    purchases = books.purchase_csv(books.purchase_book([doc(33, 1, 2, 5000, 950, rut="1-9")]))
    read = list(csv.reader(io.StringIO(purchases.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert read == [list(books.PURCHASE_HEADER),
                    ["1", "33", "Del Giro", "1-9", "Cliente SpA", "1", "02/11/2026", "0", "5000", "950", "0", "5950",
                     "s1"]]


def test_iva_json_names_every_figure() -> None:
    s = books.iva_summary(MONTH, books.sales_book([doc(39, 1, 3, 84, 16)]),
                          books.purchase_book([doc(33, 1, 2, 500, 95)]))
    data = json.loads(books.iva_json(s))
    assert {k: data[k] for k in ("mes", "debito", "credito", "remainder", "iva_a_pagar", "remanente_siguiente")} == {
        "mes": "2026-11", "debito": 16, "credito": 95, "remainder": -79, "iva_a_pagar": 0, "remanente_siguiente": 79}
    assert data["debito_por_tipo"][0]["nombre"] == "Boleta electrónica"
    assert books.file_names(MONTH) == ("libro_ventas_2026-11.csv", "libro_compras_2026-11.csv", "iva_2026-11.json")


_docs = st.lists(st.builds(
    doc, st.sampled_from(sorted(books.SALES_TIPOS)), st.integers(1, 10**6), st.integers(1, 30),
    st.integers(0, 10**7), st.integers(0, 10**6), st.integers(0, 10**6), store=st.sampled_from(["a", "b"])),
    max_size=60)


@settings(max_examples=60, deadline=None)
@given(_docs)
def test_the_books_totals_equal_a_fold_of_the_documents(docs: list[books.Document]) -> None:
    expected: dict[int, list[int]] = {}
    for d in docs:
        s = -1 if d.tipo in (60, 61) else 1
        e = expected.setdefault(d.tipo, [0, 0, 0])
        e[0] += 1
        e[1] += s * d.iva
        e[2] += s * d.total
    summed = books.sales_book([d for d in docs if d.tipo in books.BOLETAS_RESUMEN])
    given = books.sales_book([d for d in docs if d.tipo not in books.BOLETAS_RESUMEN], summaries=summed)
    assert given == books.sales_book(docs)
    for by_store in (False, True):
        rows = books.sales_book(docs, by_store=by_store)
        assert {g.tipo: [g.documentos, g.iva, g.total] for g in books.by_tipo(rows)} == expected
        assert books.totals(rows).iva == sum(v[1] for v in expected.values())
        assert sum(r.documentos for r in rows) == len(docs)
    purchases = books.purchase_book(docs)
    assert len(purchases) == sum(1 for d in docs if d.tipo in books.PURCHASE_TIPOS)
