"""The totals rule shared by `almacen dte verify` and the SII stand-in (Formato DTE: MntTotal = MntNeto + IVA +
MntExe, IVA = MntNeto × TasaIVA): an IVA with no neto to come from is refused like any other IVA mismatch."""

from __future__ import annotations

from lxml import etree

from shared.dte import verdict


def _documento(neto: int, iva: int, exento: int, total: int) -> etree._Element:
    return etree.fromstring(
        f'<Documento xmlns="http://www.sii.cl/SiiDte"><Encabezado><IdDoc><TipoDTE>33</TipoDTE></IdDoc><Totales>'
        f"<MntNeto>{neto}</MntNeto><MntExe>{exento}</MntExe><TasaIVA>19</TasaIVA><IVA>{iva}</IVA>"
        f"<MntTotal>{total}</MntTotal></Totales></Encabezado></Documento>".encode())


def test_iva_must_be_19_percent_of_neto_even_when_neto_is_zero() -> None:
    assert verdict.check_totals(_documento(1000, 190, 0, 1190), 33).problems == ()
    assert verdict.check_totals(_documento(0, 0, 1000, 1000), 34).problems == ()
    problems = verdict.check_totals(_documento(0, 190, 1000, 1190), 33).problems
    assert problems == ("IVA 190 ≠ 19 % de 0 (0)",)
