"""The printed header agrees with the XML the SII receives: HQ saves the emisor, a till pulls it with its folios,
issues a boleta, a factura and a nota de crédito through its real services and closes its shift; each receipt's
bytes, decoded, carry the razón social, RUT, giro, address, comuna and sucursal of the signed DTE the server builds
from the same pushed events (``syncserver.dte.pipeline``), and the legend under the timbre carries the resolution of
the envelope's Carátula; the Z report's header is the same emisor's. Once for a store without sucursal data (the
emisor's address, the casa matriz) and once for a store HQ gave its own address and sucursal code (both sides take
them by ``shared.sucursal.origin``)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from desktop.drivers.escpos_decode import decode
from desktop.journal import read_models
from shared import rut
from shared.dte import signature, xml
from shared.events.sales import CustomerData
from shared.sale import Tender, TenderKind
from syncserver import tenancy
from syncserver.dte import emisor, folios, pipeline
from syncserver.store import db
from tests.e2e import sync_kit

ROWS = sync_kit.catalog_rows(8)
NS = {"s": "http://www.sii.cl/SiiDte"}
EMISOR = {"razon_social": "Almacenes Don Pepe SpA", "giro": "Venta al por menor en almacenes de barrio",
          "acteco": "471100", "direccion": "Av. Providencia 1234", "comuna": "Providencia", "ciudad": "Santiago",
          "sucursal_sii": "81234567", "resolucion_fecha": "2024-03-15", "resolucion_numero": "80"}
OWN_STORE = tenancy.check_store("Centro", "Irarrázaval 3456", "Ñuñoa", "Santiago", "81234999")
"""The store's own sucursal data, saved through HQ's store service."""
CUSTOMER = CustomerData("76.123.456-0", "Ferretería El Clavo Ltda.", "Ferretería", "Av. Matta 1020", "Santiago")


def _printed(term: Any) -> str:
    term.receipts.wait_idle()
    return " ".join(" ".join(decode(term.printer.jobs[-1]).lines).split())


def _sell(term: Any, plu: str, customer: CustomerData | None = None) -> Any:
    term.checkout.add_product(read_models.by_plu(term.journal.conn, plu), Decimal(2))
    total = term.checkout.sale.totals().total
    return term.checkout.complete((Tender(TenderKind.DEBIT, total),), customer=customer).event


def _sent(server: Any, documents: list[tuple[int, int]]) -> dict[tuple[int, int], dict[str, str]]:
    """What the SII would receive for each ``(tipo, folio)``: the signed DTE built from the pushed events, in its
    envelope (EnvioBOLETA or EnvioDTE) with the emisor's resolution in the Carátula."""
    signer = signature.load_pfx((sync_kit.SAMPLES / "test_cert_selfsigned_testpass.pfx").read_bytes(), "testpass")

    async def build(pool: Any) -> dict[tuple[int, int], dict[str, str]]:
        found: dict[tuple[int, int], dict[str, str]] = {}
        async with db.tenant_tx(pool, 1) as conn:
            config = await emisor.load_emisor(conn, 1)
            assert config is not None and config.resolution is not None
            for tipo, folio in documents:
                source = await pipeline.load_source(conn, 1, tipo, folio)
                assert source is not None, (tipo, folio)
                doc = await pipeline.build_document(conn, 1, source, config.emisor())
                signed = pipeline.build_signed(doc, source.ted, source.stamped_at, signer)
                caratula = xml.Caratula(rut_emisor=config.rut, rut_envia="5682509-6",
                                        fecha_resolucion=config.resolution.fecha,
                                        numero_resolucion=config.resolution.numero)
                envelope = etree.fromstring(xml.build_envelope([signed], caratula, signer, datetime(2026, 12, 6, 12)))
                em = envelope.find(".//s:Documento/s:Encabezado/s:Emisor", NS)
                car = envelope.find(".//s:Caratula", NS)

                def text(parent: Any, *names: str) -> str:
                    return next((parent.findtext(f"s:{n}", namespaces=NS) for n in names
                                 if parent.find(f"s:{n}", NS) is not None), "")

                found[(tipo, folio)] = {
                    "razon_social": text(em, "RznSoc", "RznSocEmisor"), "rut": text(em, "RUTEmisor"),
                    "giro": text(em, "GiroEmis", "GiroEmisor"), "direccion": text(em, "DirOrigen"),
                    "comuna": text(em, "CmnaOrigen"), "sucursal": text(em, "CdgSIISucur"),
                    "resolucion": f"Res. {text(car, 'NroResol')} de {text(car, 'FchResol')[:4]}"}
        return found

    return server.run(build)  # type: ignore[no-any-return]


@pytest.mark.parametrize("own_store", [False, True], ids=["casa-matriz", "store-sucursal"])
def test_every_printed_header_matches_the_xml_the_sii_receives(server, make_till, own_store):
    sync_kit.setup_tenants(server)
    if own_store:
        server.run(lambda pool: tenancy.edit_store(pool, 1, "centro", OWN_STORE))
    till = make_till(1, "centro", ROWS)
    sync_kit.lease_sample_folios(server, 1)
    caf33 = (sync_kit.SAMPLES / "caf_T33_cert_76235291-5_F1-20.xml").read_bytes()
    server.run(lambda pool: emisor.store(pool, 1, EMISOR, require_complete=True))
    server.run(lambda pool: folios.import_caf(pool, 1, caf33, today=date(2025, 5, 2), lease_size=10, low_water=5))
    term = till.terminal
    status = till.sync.sync_once(datetime(2026, 12, 6, 12))
    assert status.online, status
    assert term.receipts.current_header()[2], "the till has HQ's emisor"

    ana = term.auth.sign_in("ana", "1234")
    term.checkout.start(ana, term.shifts.open(ana, 0).shift_id)
    boleta = _sell(term, "4001")
    printed = {(39, boleta.document.folio): _printed(term)}
    factura = _sell(term, "4002", CUSTOMER)
    assert factura.document.tipo == 33
    printed[(33, factura.document.folio)] = _printed(term)
    nota = sync_kit.give_back(term, boleta.sale_id, None, "Cliente se arrepiente")
    printed[(61, nota.document.folio)] = _printed(term)
    term.shifts.close(term.auth.sign_in("ana", "1234"), {})
    z_report = _printed(term)
    assert till.sync.sync_once(datetime(2026, 12, 6, 12, 5)).pending == 0

    sent = _sent(server, list(printed))
    for key, receipt in printed.items():
        xml_data = sent[key]
        assert xml_data["razon_social"] == "Almacenes Don Pepe SpA"
        if own_store:
            assert (xml_data["direccion"], xml_data["comuna"], xml_data["sucursal"]) == (
                "Irarrázaval 3456", "Ñuñoa", "81234999"), xml_data
            assert "Providencia" not in receipt, receipt  # nothing of the casa matriz's address
        else:
            assert (xml_data["direccion"], xml_data["sucursal"]) == ("Av. Providencia 1234", "81234567"), xml_data
        expected = [xml_data["razon_social"], f"RUT {rut.format(xml_data['rut'])}", xml_data["giro"],
                    f"{xml_data['direccion']}, {xml_data['comuna']} · Sucursal SII {xml_data['sucursal']}",
                    f"R.U.T.: {rut.format(xml_data['rut'])}", xml_data["resolucion"]]
        for part in expected:
            assert part in receipt, (key, part, receipt)
        assert "Res. 80 de 2024" in receipt
        assert not re.search(r"Independencia|Res\. 0 de", receipt), receipt  # nothing of terminal.toml's
    z_expected = sent[(39, boleta.document.folio)]
    for part in (z_expected["razon_social"], f"RUT {rut.format(z_expected['rut'])}", z_expected["giro"],
                 f"{z_expected['direccion']}, {z_expected['comuna']}"):
        assert part in z_report, (part, z_report)
    assert "REPORTE Z" in z_report and "HQ aún no envía" not in z_report
