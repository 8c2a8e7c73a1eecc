"""HQ's strict value reading: ASCII digits only, real days in range, one value per name, bounded lengths."""

from __future__ import annotations

from datetime import date

import pytest
from starlette.datastructures import FormData, QueryParams, UploadFile

from syncserver.hq import params
from syncserver.hq.web import MANAGER, OWNER, HqUser


def query(text: str) -> QueryParams:
    return QueryParams(text)


@pytest.mark.parametrize("value", ["²", "٣", "１２", "1e3", "-1", "1.5", " ", "+3", "0x10", "9" * 30])
def test_int_param_refuses_what_is_not_ascii_digits_in_range(value: str) -> None:
    source = QueryParams([("pagina", value)])
    if value.strip() == "":
        assert params.int_param(source, "pagina", "Página", low=1, high=10, default=1) == 1
        return
    with pytest.raises(params.BadInput) as caught:
        params.int_param(source, "pagina", "Página", low=1, high=10, default=1)
    assert caught.value.field == "pagina" and "«Página» (pagina)" in caught.value.message


def test_int_param_reads_numbers_in_range_and_defaults() -> None:
    assert params.int_param(query("pagina=7"), "pagina", "Página", low=1, high=10) == 7
    assert params.int_param(query(""), "pagina", "Página", low=1, high=10, default=3) == 3
    assert params.int_param(query("x=-4"), "x", "X", low=-5, high=5) == -4
    for text in ("pagina=0", "pagina=11", "pagina=1&pagina=2"):
        with pytest.raises(params.BadInput):
            params.int_param(query(text), "pagina", "Página", low=1, high=10, default=1)
    with pytest.raises(params.BadInput, match="falta"):
        params.int_param(query(""), "pagina", "Página", low=1, high=10)


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2026-02-30", "2026-13-01", "20261120", "٢٠٢٦-١١-٢٠",
                                   "2026-11-20T00:00", "1999-12-31", "2100-01-01", "0000-00-00"])
def test_date_param_refuses_impossible_or_far_days(value: str) -> None:
    with pytest.raises(params.BadInput):
        params.date_param(QueryParams([("fecha", value)]), "fecha", "Fecha", default=date(2026, 1, 1))


def test_date_and_month_params_read_real_days() -> None:
    today = date(2026, 11, 20)
    assert params.date_param(query("fecha=2024-02-29"), "fecha", "Fecha", default=today) == date(2024, 2, 29)
    assert params.date_param(query("fecha="), "fecha", "Fecha", default=today) == today
    assert params.month_param(query("mes=2026-02"), "mes", "Mes", default=today) == date(2026, 2, 1)
    for bad in ("0000-05", "2026-13", "9999-12", "2026-1", "noviembre"):
        with pytest.raises(params.BadInput):
            params.month_param(QueryParams([("mes", bad)]), "mes", "Mes", default=today)


def test_pesos_text_choice_flag_and_rut() -> None:
    form = FormData([("a", "$1.990"), ("b", "1990"), ("c", "1.99"), ("d", "١٩٩٠"), ("e", "1000000000"),
                     ("f", "-5")])
    assert params.peso_param(form, "a", "A") == 1990 and params.peso_param(form, "b", "B") == 1990
    for name in "cdef":
        with pytest.raises(params.BadInput):
            params.peso_param(form, name, name)
    assert params.peso_param(form, "z", "Z", required=False) is None
    assert params.text_param(query("q=%20hola%20"), "q", "Buscar") == "hola"
    with pytest.raises(params.BadInput, match="demasiado largo"):
        params.text_param(QueryParams([("q", "x" * 201)]), "q", "Buscar")
    with pytest.raises(params.BadInput, match="UTF-8"):
        params.text_param(query("q=%FF"), "q", "Buscar")
    with pytest.raises(params.BadInput, match="archivo"):
        params.text_param(FormData([("q", UploadFile(file=None))]), "q", "Buscar")  # type: ignore[arg-type]
    states = {"sent": "sent"}
    assert params.choice_param(query("estado=sent"), "estado", "Estado", states, default=None) == "sent"
    with pytest.raises(params.BadInput, match="opciones"):
        params.choice_param(query("estado=enviado"), "estado", "Estado", states, default=None)
    assert params.flag_param(query("x=1"), "x", "X") and not params.flag_param(query(""), "x", "X")
    assert params.rut_param(query("rut=76123456-0"), "rut", "RUT") == "76.123.456-0"
    with pytest.raises(params.BadInput, match="no es válido"):
        params.rut_param(query("rut=76123456-1"), "rut", "RUT")


def test_store_param_keeps_an_encargado_to_his_stores() -> None:
    owner = HqUser("a@b.cl", 1, "A", "T", "", OWNER)
    manager = HqUser("m@b.cl", 1, "M", "T", "", MANAGER, ("norte",))
    assert params.store_param(owner, query("tienda=centro")) == "centro"
    assert params.store_param(manager, query("tienda=norte")) == "norte"
    assert params.store_param(manager, query("")) is None
    with pytest.raises(params.OutsideScope):
        params.store_param(manager, query("tienda=centro"))
    with pytest.raises(params.BadInput):
        params.store_param(owner, query("tienda=Centro%20Sur"))
