"""The daily sales report (RVD, ConsumoFolios): one per complete past day, from the boletas (39, 41) and the notas
de crédito (61) that modify boletas issued that day — at the till or in HQ —; valid against ConsumoFolio_v10.xsd,
signed (xmlsec1 agrees); a day without documents reported in zeros; a day whose documents change is sent again with
SecEnvio + 1, an unchanged one never."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg_pool
from lxml import etree

from shared.dte import schema, signature
from syncserver.dte import corrections, emisor, folios, pipeline, rvd
from syncserver.settings import ServerSettings
from tests.syncserver.dte.dte_kit import CUSTOMER, return_of, sale, setup_tenant, xmlsec1
from tests.syncserver.dte.folio_kit import EMISOR_DATA, SAMPLE_RUT, SECRET, Till, migrated

NS = {"s": "http://www.sii.cl/SiiDte"}
D1, D3 = datetime(2025, 5, 2, 10, 0, 0), datetime(2025, 5, 4, 11, 0, 0)
LATER = datetime(2025, 5, 5, 12, 0, 0, tzinfo=folios.CHILE)


def _summary(xml: bytes) -> dict[str, Any]:
    root = etree.fromstring(xml)
    out: dict[str, Any] = {"sec": root.findtext(".//s:Caratula/s:SecEnvio", namespaces=NS),
                           "dia": root.findtext(".//s:Caratula/s:FchInicio", namespaces=NS)}
    assert out["dia"] == root.findtext(".//s:Caratula/s:FchFinal", namespaces=NS)
    for resumen in root.iterfind(".//s:Resumen", NS):
        fields = {etree.QName(c).localname: c.text for c in resumen if etree.QName(c).localname != "RangoUtilizados"}
        fields["rangos"] = [(r.findtext("s:Inicial", namespaces=NS), r.findtext("s:Final", namespaces=NS))
                            for r in resumen.iterfind("s:RangoUtilizados", NS)]
        out[fields.pop("TipoDocumento")] = fields
    return out


def _reports(db: Any) -> list[tuple[str, int, bytes]]:
    rows = db.rows("SELECT r.day, r.sec_envio, e.kind, e.state, e.xml FROM rvd_reports r JOIN dte_envelopes e"
                   " ON e.tenant_id = r.tenant_id AND e.envelope_id = r.envelope_id ORDER BY r.day, r.sec_envio")
    assert {(kind, state) for _, _, kind, state, _ in rows} <= {("ConsumoFolios", "built")}
    return [(day.isoformat(), sec, bytes(xml)) for day, sec, _, _, xml in rows]


def _check(xml: bytes) -> dict[str, Any]:
    schema.validate(xml, pipeline.XSD_DIR)
    assert all(c.valid for c in signature.verify_all(xml)) and xmlsec1(xml, "DocumentoConsumoFolios")
    return _summary(xml)


def test_rvd_of_each_past_day_with_boletas_exentas_and_notas(pg_database: str) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    b1 = sale([("Leche Entera 1 L", 1150, "2", False), ("Carga Bip!", 2000, "1", True)], 1, when=D1)
    b2 = sale([("Pan Batido", 1990, "0.512", False)], 2, when=D1)
    b4 = sale([("Aceite 1 L", 2990, "1", False)], 4, when=D1)
    e1 = sale([("Carga Bip!", 5000, "1", True)], 1, tipo=41, when=D1)
    f1 = sale([("Caja Bebidas", 11400, "1", False)], 1, tipo=33, customer=CUSTOMER, when=D1)
    nc1 = return_of(b1, 1, {1: "1"}, when=D1)  # one milk back: in the RVD
    nc2 = return_of(f1, 2, when=D1)  # a factura's nota: Libro de Ventas, not RVD
    b5 = sale([("Huevos 12 un.", 3600, "1", False)], 5, when=D3)
    late = sale([("Queso Gauda 250 g", 2890, "1", False)], 3, when=D1)

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> Till:
        till = await Till.enroll(pool, 1)
        await setup_tenant(pool, tipos=(33, 39, 41, 61))
        for event in (b1, b2, b4, e1, f1, nc1, nc2, b5):
            till.record(event)
        await till.push(pool)
        assert await pipeline.sign_pending(pool, 1, SECRET) == pipeline.SignResult(8, 0)
        return till

    till = db.run(work)
    db.rows("UPDATE dte_outbox SET state = 'rejected', last_error = 'rechazo' WHERE tipo = 39 AND folio = 2"
            " RETURNING folio")

    async def report(pool: psycopg_pool.AsyncConnectionPool) -> tuple[int, int]:
        await corrections.correct_rejected(pool, 1, 39, 2, by="pepe", now=D3)  # NC 61 N° 6 on day 3
        first = await rvd.build_due(pool, 1, SECRET, now=LATER)
        return first, await rvd.build_due(pool, 1, SECRET, now=LATER)

    assert db.run(report) == (3, 0)  # days 1, 2 (no documents) and 3; then nothing changed
    (day1, sec1, xml1), (day2, sec2, xml2), (day3, sec3, xml3) = _reports(db)
    assert (day1, day2, day3, sec1, sec2, sec3) == ("2025-05-02", "2025-05-03", "2025-05-04", 1, 1, 1)
    assert b"<RutEmisor>76235291-5</RutEmisor>" in xml1 and b"<FchResol>2026-01-01</FchResol>" in xml1
    boletas = (b1, b2, b4)
    assert _check(xml1) == {
        "sec": "1", "dia": "2025-05-02",
        "39": {"MntNeto": str(sum(b.neto for b in boletas)), "MntIva": str(sum(b.iva for b in boletas)),
               "TasaIVA": "19", "MntExento": "2000", "MntTotal": str(sum(b.total for b in boletas)),
               "FoliosEmitidos": "3", "FoliosAnulados": "0", "FoliosUtilizados": "3",
               "rangos": [("1", "2"), ("4", "4")]},
        "41": {"MntExento": "5000", "MntTotal": "5000", "FoliosEmitidos": "1", "FoliosAnulados": "0",
               "FoliosUtilizados": "1", "rangos": [("1", "1")]},
        "61": {"MntNeto": str(nc1.neto), "MntIva": str(nc1.iva), "TasaIVA": "19", "MntTotal": "1150",
               "FoliosEmitidos": "1", "FoliosAnulados": "0", "FoliosUtilizados": "1", "rangos": [("1", "1")]}}
    assert sum(b.total for b in boletas) == 2300 + 2000 + 1019 + 2990
    assert _check(xml2) == {"sec": "1", "dia": "2025-05-03",
                            "39": {"MntTotal": "0", "FoliosEmitidos": "0", "FoliosAnulados": "0",
                                   "FoliosUtilizados": "0", "rangos": []}}
    third = _check(xml3)
    assert third["39"]["MntTotal"] == "3600" and third["39"]["rangos"] == [("5", "5")]
    assert third["61"] == {"MntNeto": str(b2.neto), "MntIva": str(b2.iva), "TasaIVA": "19", "MntTotal": "1019",
                           "FoliosEmitidos": "1", "FoliosAnulados": "0", "FoliosUtilizados": "1",
                           "rangos": [("6", "6")]}

    async def late_push(pool: psycopg_pool.AsyncConnectionPool) -> int:
        till.record(late)  # an offline till brings one more boleta of day 1
        await till.push(pool)
        return await rvd.build_due(pool, 1, SECRET, now=LATER)

    assert db.run(late_push) == 1
    resent = [r for r in _reports(db) if r[0] == "2025-05-02"]
    assert [sec for _, sec, _ in resent] == [1, 2]
    again = _check(resent[1][2])
    assert again["sec"] == "2" and again["39"]["rangos"] == [("1", "4")] and again["39"]["FoliosEmitidos"] == "4"
    assert again["39"]["MntTotal"] == str(sum(b.total for b in boletas) + late.total)
    assert b'ID="RVD20250502S2"' in resent[1][2]


def test_rvd_waits_for_emisor_data_and_the_setting(pg_database: str) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT}, emisor=False)

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> tuple[int, int, int]:
        till = await Till.enroll(pool, 1)
        await setup_tenant(pool, tipos=(39,))
        till.record(sale([("Pan Batido", 1990, "1", False)], 1, when=D1))
        await till.push(pool)
        without_emisor = await rvd.build_due(pool, 1, SECRET, now=LATER)
        await emisor.store(pool, 1, EMISOR_DATA)
        off = await rvd.build_if_enabled(pool, 1, ServerSettings(rvd_enabled=False, secret_key=SECRET), now=LATER)
        on = await rvd.build_if_enabled(pool, 1, ServerSettings(rvd_enabled=True, secret_key=SECRET), now=LATER)
        return without_emisor, off, on

    assert db.run(work) == (0, 0, 3)  # days 1-3 once enabled (yesterday is day 4: the 5th at noon)
    assert db.rows("SELECT count(*) FROM dte_envelopes WHERE kind = 'ConsumoFolios'") == [(3,)]
