"""The RVD (ConsumoFolios) built from a day's documents: summaries per type with folio runs, a day in zeros,
bad input refused with a reason, and the signed XML valid against ConsumoFolio_v10.xsd and verified by xmlsec1."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest

from shared.dte import errors, rvd, schema, signature
from tests.shared.dte.dte_samples import TENANT_RUT, XSD

DAY = date(2025, 5, 2)


def test_summaries_per_type_with_folio_runs() -> None:
    docs = [rvd.DocumentoDia(39, 7, 3529, 671, 0, 4200), rvd.DocumentoDia(39, 5, 840, 160, 500, 1500),
            rvd.DocumentoDia(39, 6, 1672, 318, 0, 1990), rvd.DocumentoDia(41, 2, 0, 0, 2000, 2000),
            rvd.DocumentoDia(61, 11, 966, 184, 0, 1150), rvd.DocumentoDia(39, 9, 84, 16, 0, 100)]
    assert rvd.resumir(docs) == (
        rvd.Resumen(39, neto=6125, iva=1165, exento=500, total=7790, emitidos=4, rangos=((5, 7), (9, 9))),
        rvd.Resumen(41, exento=2000, total=2000, emitidos=1, rangos=((2, 2),)),
        rvd.Resumen(61, neto=966, iva=184, total=1150, emitidos=1, rangos=((11, 11),)))
    assert rvd.resumir([]) == (rvd.Resumen(39),)
    with pytest.raises(errors.DocumentInvalid, match="no el tipo 33"):
        rvd.resumir([rvd.DocumentoDia(33, 1, 100, 19, 0, 119)])
    with pytest.raises(errors.DocumentInvalid, match="folio repetido"):
        rvd.resumir([rvd.DocumentoDia(39, 1, 84, 16, 0, 100), rvd.DocumentoDia(39, 1, 84, 16, 0, 100)])


def test_signed_rvd_is_schema_valid(signer: signature.Signer, xmlsec1: Callable[..., bool]) -> None:
    caratula = rvd.CaratulaRvd(TENANT_RUT, TENANT_RUT, date(2025, 1, 20), 0, DAY, sec_envio=2)
    resumenes = rvd.resumir([rvd.DocumentoDia(39, 1, 3529, 671, 0, 4200), rvd.DocumentoDia(61, 3, 0, 0, 2000, 2000)])
    xml = rvd.build_rvd(caratula, resumenes, signer, datetime(2025, 5, 3, 1, 0, 0))
    schema.validate(xml, XSD)
    assert xml.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<ConsumoFolios')
    assert b"<FchInicio>2025-05-02</FchInicio><FchFinal>2025-05-02</FchFinal><SecEnvio>2</SecEnvio>" in xml
    assert b"<TipoDocumento>61</TipoDocumento><MntExento>2000</MntExento><MntTotal>2000</MntTotal>" in xml
    assert [c.reference for c in signature.require_valid(xml)] == ["#RVD20250502S2"]
    assert xmlsec1(xml, "DocumentoConsumoFolios")
    assert not xmlsec1(xml.replace(b"<MntTotal>4200</MntTotal>", b"<MntTotal>4201</MntTotal>"),
                       "DocumentoConsumoFolios")
    with pytest.raises(errors.DocumentInvalid, match="SecEnvio 0"):
        rvd.build_rvd(rvd.CaratulaRvd(TENANT_RUT, TENANT_RUT, DAY, 0, DAY, sec_envio=0), resumenes, signer,
                      datetime(2025, 5, 3))
    with pytest.raises(errors.DocumentInvalid, match="RUT"):
        rvd.build_rvd(rvd.CaratulaRvd("76235291-4", TENANT_RUT, DAY, 0, DAY), resumenes, signer,
                      datetime(2025, 5, 3))
