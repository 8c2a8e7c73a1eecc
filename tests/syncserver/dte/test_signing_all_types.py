"""The signer builds every type from the terminals' real events — facturas from the sale's customer, notas de
crédito from returns referencing the original document — with the tenant's emisor data and the TED the terminal
stamped; each signed XML follows the SII's schema and its signature verifies (ours and xmlsec1). Without emisor
data nothing is signed and each document says what is missing."""

from __future__ import annotations

from typing import Any

import psycopg_pool
from lxml import etree

from shared.dte import schema, signature, ted
from syncserver.dte import emisor, pipeline
from tests.syncserver.dte.dte_kit import CUSTOMER, DAY, caf, return_of, sale, setup_tenant, xmlsec1
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, SECRET, Till, migrated

NS = {"s": "http://www.sii.cl/SiiDte"}


def _signed(db: Any) -> dict[tuple[int, int], etree._Element]:
    rows = db.rows("SELECT tipo, folio, state, last_error, xml FROM dte_outbox ORDER BY tipo, folio")
    assert [(t, f, s, e) for t, f, s, e, _ in rows if s != "signed"] == []
    out = {}
    for tipo, folio, _, _, data in rows:
        xml = bytes(data)
        schema.validate(xml, pipeline.XSD_DIR)
        checks = signature.verify_all(xml)
        assert checks and all(c.valid for c in checks), checks
        assert xmlsec1(xml), f"xmlsec1 refused {tipo} {folio}"
        out[(tipo, folio)] = etree.fromstring(xml)
    return out


def _text(root: etree._Element, path: str) -> str | None:
    return root.findtext(path, namespaces=NS)


def test_facturas_and_notas_de_credito_from_real_events(pg_database: str) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    boleta = sale([("Leche Entera 1 L", 1150, "2", False), ("Pan Batido", 1990, "0.512", False)], 1)
    factura = sale([("Caja Coca-Cola 1,5 L x6", 11400, "2", False), ("Carga Bip!", 2000, "1", True)], 1,
                   tipo=33, customer=CUSTOMER)
    exenta = sale([("Libro Contable", 8500, "1", True)], 1, tipo=34, customer=CUSTOMER)
    partial = return_of(boleta, 1, {1: "1"}, reason="Vencida")  # one of the two milks: corrige montos
    full = return_of(factura, 2)  # the whole factura: anula

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> pipeline.SignResult:
        till = await Till.enroll(pool, 1)
        await setup_tenant(pool, tipos=(33, 34, 39, 61))
        for event in (boleta, factura, exenta, partial, full):
            till.record(event)
        await till.push(pool)
        return await pipeline.sign_pending(pool, 1, SECRET)

    assert db.run(work) == pipeline.SignResult(5, 0)
    signed = _signed(db)
    f33 = signed[(33, 1)]
    assert _text(f33, ".//s:Receptor/s:RUTRecep") == "77447842-6"
    assert _text(f33, ".//s:Receptor/s:GiroRecep") == "Venta de juegos y accesorios"
    assert _text(f33, ".//s:Receptor/s:CmnaRecep") == "Rancagua"
    assert _text(f33, ".//s:Emisor/s:Acteco") == "471100" and _text(f33, ".//s:Emisor/s:GiroEmis")
    assert _text(f33, ".//s:Emisor/s:RznSoc") == "Almacén Don Pepe SpA"
    assert _text(f33, ".//s:Totales/s:MntTotal") == str(factura.total) == "24800"
    assert _text(f33, ".//s:Totales/s:MntExe") == "2000"
    assert _text(signed[(34, 1)], ".//s:Totales/s:MntExe") == "8500"
    # the TED inside is the one the till stamped, and still verifies with the CAF's key
    assert factura.document is not None
    assert etree.tostring(f33.find(".//s:TED", NS)).count(b"<FRMT") == 1
    assert ted.verify_ted(f33.find(".//s:TED", NS), caf(33).public_key).monto_total == 24800

    nc_partial, nc_full = signed[(61, 1)], signed[(61, 2)]
    assert [_text(nc_partial, f".//s:Referencia/s:{k}") for k in ("TpoDocRef", "FolioRef", "FchRef", "CodRef")] \
        == ["39", "1", DAY.isoformat(), "3"]
    assert _text(nc_partial, ".//s:Referencia/s:RazonRef") == "Vencida"
    assert _text(nc_partial, ".//s:Receptor/s:RUTRecep") == "66666666-6"
    assert _text(nc_partial, ".//s:Totales/s:MntTotal") == str(partial.total) == "1150"
    assert [_text(nc_full, f".//s:Referencia/s:{k}") for k in ("TpoDocRef", "FolioRef", "CodRef")] == ["33", "1", "1"]
    assert _text(nc_full, ".//s:Receptor/s:RUTRecep") == "77447842-6"
    assert _text(nc_full, ".//s:Totales/s:MntTotal") == "24800"
    assert len(nc_full.findall(".//s:Detalle", NS)) == 2


def test_without_emisor_data_documents_wait_and_say_what_is_missing(pg_database: str) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT}, emisor=False)
    boleta = sale([("Pan Batido", 1990, "1", False)], 1)
    second = sale([("Aceite 1 L", 2990, "3", False)], 2, tipo=39)

    async def push(pool: psycopg_pool.AsyncConnectionPool) -> pipeline.SignResult:
        till = await Till.enroll(pool, 1)
        await setup_tenant(pool, tipos=(39,))
        till.record(boleta)
        till.record(second)
        await till.push(pool)
        return await pipeline.sign_pending(pool, 1, SECRET)

    assert db.run(push) == pipeline.SignResult(0, 2)
    rows = db.rows("SELECT state, attempts, last_error, xml FROM dte_outbox ORDER BY folio")
    for state, attempts, error, xml in rows:
        assert (state, attempts, xml) == ("issued", 1, None)
        assert error.startswith("faltan los datos del emisor: razón social, giro, Acteco, dirección, comuna,"
                                " fecha de resolución del SII")

    async def partly(pool: psycopg_pool.AsyncConnectionPool) -> pipeline.SignResult:
        await emisor.store(pool, 1, {"razon_social": "Almacén Don Pepe SpA", "giro": "Almacén", "acteco": "471100"})
        return await pipeline.sign_pending(pool, 1, SECRET)

    assert db.run(partly) == pipeline.SignResult(0, 0)  # still waiting (backoff), nothing signed
    assert db.rows("SELECT DISTINCT state FROM dte_outbox") == [("issued",)]

    async def complete(pool: psycopg_pool.AsyncConnectionPool) -> pipeline.SignResult:
        await emisor.store(pool, 1, {"direccion": "San Lucio 138", "comuna": "Los Andes",
                                     "resolucion_fecha": "2025-01-20", "resolucion_numero": "0"})
        return await pipeline.sign_pending(pool, 1, SECRET)  # saving made them due at once

    assert db.run(complete) == pipeline.SignResult(2, 0)
    assert db.rows("SELECT DISTINCT state FROM dte_outbox") == [("signed",)]


def test_a_factura_sale_without_customer_waits_with_the_reason(pg_database: str) -> None:
    db = migrated(pg_database, {1: SAMPLE_RUT})
    factura = sale([("Aceite 1 L", 2990, "3", False)], 1, tipo=33, customer=CUSTOMER)
    assert factura.document is not None
    anonymous = type(factura)(**{**{f: getattr(factura, f) for f in factura.__slots__}, "customer": None})

    async def work(pool: psycopg_pool.AsyncConnectionPool) -> pipeline.SignResult:
        till = await Till.enroll(pool, 1)
        await setup_tenant(pool, tipos=(33,))
        till.record(anonymous)
        await till.push(pool)
        return await pipeline.sign_pending(pool, 1, SECRET)

    assert db.run(work) == pipeline.SignResult(0, 1)
    [(state, error)] = db.rows("SELECT state, last_error FROM dte_outbox")
    assert state == "issued" and "datos del cliente" in error
