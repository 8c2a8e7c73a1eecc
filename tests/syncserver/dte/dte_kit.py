"""Real events for the DTE tests of every type: sales stamped as the till stamps them (boleta, factura with its
customer), returns with their nota de crédito, and xmlsec1 as an independent signature verifier.

The sample CAFs were authorised on 2025-04-11; those of facturas and notas (33, 34, 61) expire after 180 days, so
these documents are dated :data:`DAY` (2025-05-02) and CAFs are imported "on" that day.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg_pool
from cryptography.hazmat.primitives import serialization

from shared import money
from shared.dte import caf as caf_mod
from shared.dte import documents, signature, ted
from shared.events import returns, sales
from shared.sale import allocate
from syncserver.dte import certs, folios
from tests.syncserver.dte.folio_kit import SAMPLE_RUT, SAMPLES, SECRET, sample_caf

DAY = date(2025, 5, 2)
STAMPED = datetime(2025, 5, 2, 10, 0, 0)
EMISOR = documents.Emisor(rut=SAMPLE_RUT, razon_social="Almacén Don Pepe SpA", giro="Venta al por menor",
                          direccion="San Lucio 138", comuna="Los Andes", acteco=(471100,))
CUSTOMER = sales.CustomerData(rut="77.447.842-6", razon_social="Baca Juegos y Accesorios SPA",
                              giro="Venta de juegos y accesorios", direccion="Cillero 11", comuna="Rancagua")
PFX = SAMPLES / "test_cert_selfsigned_testpass.pfx"

Line = tuple[str, int, str, bool]
"""(name, unit price IVA included, quantity, exempt)"""


def caf(tipo: int) -> caf_mod.Caf:
    return caf_mod.parse_caf(sample_caf(tipo))


async def setup_tenant(pool: psycopg_pool.AsyncConnectionPool, tenant_id: int = 1, tipos: tuple[int, ...] = (39,),
                       lease_size: int = 5) -> None:
    """Import the sample CAFs of ``tipos`` (leased to the tenant's terminals) and store the test certificate."""
    for tipo in tipos:
        await folios.import_caf(pool, tenant_id, sample_caf(tipo), today=DAY, lease_size=lease_size, low_water=1)
    await certs.store(pool, tenant_id, PFX.read_bytes(), "testpass", SECRET, datetime(2026, 1, 1, tzinfo=UTC))


def sale(lines: list[Line], folio: int, *, tipo: int | None = None, customer: sales.CustomerData | None = None,
         discount: int = 0, when: datetime = STAMPED) -> sales.SaleCompleted:
    """A completed sale stamped as the till stamps it: a boleta (39/41), or a factura (33/34) for ``customer``."""
    sold = tuple(sales.LineSold(n, f"SKU-{n}", name, price, Decimal(qty), "kg" if "." in qty else "unit", exempt,
                                0, money.line_amount(price, Decimal(qty)))
                 for n, (name, price, qty, exempt) in enumerate(lines, 1))
    shares = allocate(discount, [x.amount for x in sold])
    affected = sum(x.amount - s for x, s in zip(sold, shares, strict=True) if not x.iva_exempt)
    exento = sum(x.amount - s for x, s in zip(sold, shares, strict=True) if x.iva_exempt)
    split = money.split_iva(affected, exento)
    total = affected + exento
    draft = sales.SaleCompleted(
        sale_id=str(uuid.uuid4()), number=folio, shift_id="s1", cashier_id="ana", lines=sold, discount=discount,
        total=total, affected=affected, exento=exento, neto=split.neto, iva=split.iva,
        tenders=(sales.TenderTaken("cash", money.round_cash(total), money.round_cash(total)),),
        rounding=money.round_cash(total) - total, change=0, customer=customer)
    if customer is None:
        doc = documents.boleta_desde_venta(draft, folio=folio, fecha_emision=when.date(), emisor=EMISOR)
    else:
        doc = documents.factura_desde_venta(draft, folio=folio, fecha_emision=when.date(), emisor=EMISOR,
                                            receptor=documents.receptor_desde_cliente(customer))
    assert tipo is None or int(doc.tipo) == tipo
    timbre = ted.stamp(caf(int(doc.tipo)), doc, when)
    stamped = sales.DocumentStamped(int(doc.tipo), folio, timbre.decode("iso-8859-1"), when.isoformat())
    return _with(draft, document=stamped)


def _with(event: Any, **changes: Any) -> Any:
    return type(event)(**{**{f: getattr(event, f) for f in event.__slots__}, **changes})


def return_of(original: sales.SaleCompleted, folio: int, quantities: dict[int, str] | None = None, *,
              reason: str = "Producto defectuoso", when: datetime = STAMPED) -> returns.ReturnCompleted:
    """The return of ``quantities`` by line id (None: everything) with its nota de crédito stamped at the till:
    each line credited at what was paid for it, CodRef 1 when everything comes back, else 3."""
    assert original.document is not None
    lineas = documents.lineas_desde_venta(original)
    wanted = {x.line_id: x.quantity for x in original.lines} if quantities is None else \
        {k: Decimal(v) for k, v in quantities.items()}
    lines = []
    for x, linea in zip(original.lines, lineas, strict=True):
        qty = wanted.get(x.line_id, Decimal(0))
        if qty:
            amount = linea.monto if qty == x.quantity else money.round_half_up(linea.monto * qty / x.quantity)
            lines.append(returns.LineReturned(x.line_id, x.sku, x.name, x.unit_price, qty, x.sold_by, x.iva_exempt,
                                              amount))
    full = all(wanted.get(x.line_id, Decimal(0)) == x.quantity for x in original.lines)
    draft = returns.ReturnCompleted(
        return_id=str(uuid.uuid4()), sale_id=original.sale_id, shift_id="s1", cashier_id="ana",
        supervisor_id="jefa", reason=reason, lines=tuple(lines), total=0, neto=0, iva=0, exento=0, refunds=(),
        original_tipo=original.document.tipo, original_folio=original.document.folio, full=full)
    receptor = documents.RECEPTOR_ANONIMO if original.customer is None else \
        documents.receptor_desde_cliente(original.customer)
    doc = documents.nota_credito(
        folio=folio, fecha_emision=when.date(), emisor=EMISOR, receptor=receptor,
        lineas=documents.lineas_desde_devolucion(draft),
        referencia=documents.Referencia(str(original.document.tipo), str(original.document.folio),
                                        date.fromisoformat(original.document.stamped_at[:10]),
                                        documents.CodRef.ANULA if full else documents.CodRef.CORRIGE_MONTOS, reason))
    t = doc.totales
    timbre = ted.stamp(caf(61), doc, when)
    stamped = sales.DocumentStamped(61, folio, timbre.decode("iso-8859-1"), when.isoformat())
    return _with(draft, total=t.total, neto=t.neto, iva=t.iva, exento=t.exento, document=stamped,
                 refunds=(sales.TenderTaken("cash", money.round_cash(t.total), money.round_cash(t.total)),))


def xmlsec1(xml: bytes, id_element: str = "Documento", *, pfx: tuple[bytes, str] | None = None) -> bool:
    """Debian's xmlsec1 verifies the signature of the element ``id_element`` (by its ``ID``), trusting only the
    test certificate's key (or that of ``pfx``: its bytes and password)."""
    binary = shutil.which("xmlsec1")
    assert binary is not None, "xmlsec1 is not installed: run ./scripts/setup (apt package xmlsec1)"
    signer = signature.load_pfx(*(pfx or (PFX.read_bytes(), "testpass")))
    with tempfile.TemporaryDirectory() as folder:
        cert, doc = Path(folder) / "cert.pem", Path(folder) / "doc.xml"
        cert.write_bytes(signer.certificate.public_bytes(serialization.Encoding.PEM))
        doc.write_bytes(xml)
        result = subprocess.run([binary, "--verify", "--id-attr:ID", f"http://www.sii.cl/SiiDte:{id_element}",
                                 "--pubkey-cert-pem", str(cert), str(doc)], capture_output=True, text=True,
                                timeout=30, check=False)
    return result.returncode == 0
