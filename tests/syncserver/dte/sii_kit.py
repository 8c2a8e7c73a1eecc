"""Helpers for the SII client tests: a certificate carrying a RUT (as Chilean e-signature certificates do), the
stand-in served by uvicorn, facturas signed outside the pipeline, and rows put straight into the outbox."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg

from shared.dte import caf as caf_mod
from shared.dte import documents, signature, ted, xml
from syncserver import sii_standin
from syncserver.sii import standin_caf, ws
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, sample_caf

HOLDER_RUT = "12345678-5"
PFX_PASSWORD = "clave-firma"
RECEPTOR = documents.Receptor(rut="77777777-7", razon_social="Comercial Los Aromos SpA", giro="Almacén",
                              direccion="Av. Matta 100", comuna="Santiago")
EMISOR = documents.Emisor(rut=SAMPLE_RUT, razon_social="Tenant 1", giro="Venta al por menor", direccion="Calle 1",
                          comuna="Santiago", acteco=(471100,))


def holder_pfx(rut: str = HOLDER_RUT, *, days: int = 365) -> bytes:
    """A self-signed .pfx (password ``PFX_PASSWORD``) whose certificate, valid from yesterday for ``days`` days,
    carries ``rut`` as subjectAltName otherName 1.3.6.1.4.1.8321.1."""
    return standin_caf.demo_certificate(rut, PFX_PASSWORD, holder="Firma Prueba Almacén", days=days)


def holder_signer(rut: str = HOLDER_RUT, **kwargs: Any) -> signature.Signer:
    return signature.load_pfx(holder_pfx(rut, **kwargs), PFX_PASSWORD)


@contextlib.contextmanager
def standin_url(serve_in_thread: Callable[[object], contextlib.AbstractContextManager[str]],
                standin: sii_standin.StandIn) -> Iterator[str]:
    with serve_in_thread(sii_standin.create_app(standin)) as url:
        yield url


@contextlib.asynccontextmanager
async def sii_client(url: str, timeout: float = 10.0) -> Any:
    client = ws.client_for("standin", url, timeout=timeout)
    try:
        yield client
    finally:
        await client.http.aclose()


def factura(folio: int, signer: signature.Signer, *, extra_iva: int = 0, amount: int = 11900,
            when: datetime = datetime(2025, 5, 2, 10, 0, 0)) -> bytes:
    """A signed factura (33) of ``amount`` pesos (IVA included), stamped with the sample CAF 33 on a day it was in
    force (it expired 180 days after 2025-04-11); ``extra_iva``
    breaks its totals (IVA and MntTotal off by that much, TED consistent with the wrong total)."""
    line = documents.Linea(nombre="Caja de leche", cantidad=Decimal(1), precio=Decimal(amount), monto=amount)
    doc = documents.documento(33, folio=folio, fecha_emision=when.date(), emisor=EMISOR, receptor=RECEPTOR,
                              lineas=[line], montos_brutos=True, forma_pago=1)
    if extra_iva:
        totals = doc.totales
        doc = replace(doc, totales=replace(totals, iva=totals.iva + extra_iva, total=totals.total + extra_iva))
    timbre = ted.stamp(caf_mod.parse_caf(sample_caf(33)), doc, when)
    return xml.build_dte(doc, timbre, signer, when)


def put_signed(admin_url: str, tenant_id: int, tipo: int, folio: int, data: bytes) -> None:
    """A signed document straight into the outbox (as the pipeline leaves it), as the admin role."""
    with psycopg.connect(admin_url) as conn:
        conn.execute("INSERT INTO dte_outbox (tenant_id, tipo, folio, state, xml) VALUES (%s, %s, %s, 'signed', %s)",
                     (tenant_id, tipo, folio, data))


def facturas_waiting(admin_url: str, folios: range, *, amount: Callable[[int], int] = lambda folio: 11900
                     ) -> tuple[sii_standin.StandIn, bytes]:
    """A stand-in that knows the sample CAF 33, and facturas ``folios`` of tenant 1 signed (``amount(folio)`` pesos)
    and waiting in the outbox; returns it with the holder's .pfx (store it as the tenant's certificate)."""
    standin = sii_standin.StandIn()
    standin.register_caf(sample_caf(33))
    pfx = holder_pfx()
    signer = signature.load_pfx(pfx, PFX_PASSWORD)
    for folio in folios:
        put_signed(admin_url, 1, 33, folio, factura(folio, signer, amount=amount(folio)))
    return standin, pfx


def execute(admin_url: str, sql: str, *params: Any) -> None:
    with psycopg.connect(admin_url) as conn:
        conn.execute(sql, params)

