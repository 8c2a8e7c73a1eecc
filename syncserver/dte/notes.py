"""HQ's notas de débito (56) on a factura — a price corrected upwards, interest, freight — and the nota de crédito
(61) that annuls one of them, stamped at the server with folios of its own lease and kept as corrections
(``syncserver.dte.corrections.record_nota``), so the signer builds, signs and sends them like any document.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from shared import clock as clock_mod
from shared import errors as pos_errors
from shared.dte import documents
from shared.dte import errors as dte_errors
from shared.events import registry, sales
from syncserver.dte import corrections
from syncserver.dte import emisor as emisor_mod
from syncserver.dte.corrections import Corrected, CorrectionError
from syncserver.store import db
from syncserver.store import documents as documents_store

log = logging.getLogger("syncserver.dte.notes")

DEBITABLE: Final = (33, 34)
"""What HQ issues a nota de débito on: a factura (33) or factura exenta (34)."""
NOTA_DEBITO: Final = corrections.NOTA_DEBITO
MAX_CARGOS: Final = 10
MAX_MONTO: Final = 999_999_999
"""A charge's pesos at most (HQ's peso fields' limit; MontoItem would carry 18 digits)."""
MAX_NOMBRE: Final = 80
"""NmbItem's length (SII Formato DTE)."""
CONCEPTOS: Final = {"precio": "Diferencia de precio", "intereses": "Intereses por mora", "flete": "Flete"}
"""What a charge is (its line's name when no detail is typed)."""
RAZONES: Final = {"precio": "corrección de precio", "intereses": "intereses", "flete": "flete"}
RAZON_ANULA_DEBITO: Final = "Anula nota de débito"
_CODEC = registry.build_codec()


@dataclass(frozen=True, slots=True)
class Cargo:
    """One charge of a nota de débito: ``concepto`` a key of :data:`CONCEPTOS`, ``detalle`` the line's text (the
    concepto's name when empty), ``monto`` pesos (net, or IVA included when the nota says so), ``exento`` without
    IVA (always on a factura exenta)."""

    concepto: str
    monto: int
    detalle: str = ""
    exento: bool = False

    @property
    def nombre(self) -> str:
        return " ".join(self.detalle.split()) or CONCEPTOS.get(self.concepto, self.concepto)


def default_reason(cargos: Sequence[Cargo]) -> str:
    """RazonRef when none is typed: «Cobro de intereses y flete», «Cobro de corrección de precio»."""
    kinds = list(dict.fromkeys(RAZONES.get(c.concepto, c.concepto) for c in cargos))
    joined = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " y " + kinds[-1]
    return ("Cobro de " + joined)[:90]


def check_cargos(cargos: Sequence[Cargo], original_tipo: int) -> list[documents.Linea]:
    """The nota's lines for ``cargos`` (exempt on a factura exenta, 34).

    Raises:
        CorrectionError: ``refused``: no charge or more than :data:`MAX_CARGOS`, an unknown concepto, a name too
            long, an amount not in 1..:data:`MAX_MONTO`.
    """
    if not 1 <= len(cargos) <= MAX_CARGOS:
        raise CorrectionError("refused", f"una nota de débito lleva de 1 a {MAX_CARGOS} cargos, no {len(cargos)}")
    lineas = []
    for n, cargo in enumerate(cargos, 1):
        if cargo.concepto not in CONCEPTOS:
            raise CorrectionError("refused", f"cargo {n}: «{cargo.concepto}» no es un concepto (precio, intereses, "
                                             "flete)")
        if len(cargo.nombre) > MAX_NOMBRE:
            raise CorrectionError("refused", f"cargo {n}: el detalle tiene más de {MAX_NOMBRE} caracteres")
        if isinstance(cargo.monto, bool) or not 1 <= cargo.monto <= MAX_MONTO:
            raise CorrectionError("refused", f"cargo {n}: el monto debe ser un número de pesos entre 1 y "
                                             f"{MAX_MONTO:,}".replace(",", "."))
        lineas.append(documents.linea_cargo(cargo.nombre, cargo.monto, exento=cargo.exento or original_tipo == 34))
    return lineas


async def _emisor(conn: db.Conn, tenant_id: int) -> documents.Emisor:
    config = await emisor_mod.load_emisor(conn, tenant_id)
    problem = emisor_mod.missing_message(config)
    if problem is not None or config is None:
        raise CorrectionError("refused", f"complete los datos del emisor antes de emitir notas: {problem}")
    return config.emisor()


async def issue_debit(pool: db.Pool, tenant_id: int, tipo: int, folio: int, cargos: Sequence[Cargo], *, by: str,
                      reason: str = "", montos_brutos: bool = False, now: datetime | None = None,
                      clock: clock_mod.Clock = clock_mod.utc_clock) -> Corrected:
    """Issue a nota de débito (56) on factura ``tipo``/``folio`` for ``cargos`` (one transaction): CodRef 3
    «corrige montos», FchRef the factura's date, the factura's receptor.

    Args:
        by: who asked (the HQ login's e-mail), kept with the nota.
        reason: RazonRef (up to 90 characters); :func:`default_reason` when empty.
        montos_brutos: the amounts include IVA (MntBruto 1); else IVA is added on them.
        now: the stamping time (default ``clock()``; naive values are Chile's wall time).

    Raises:
        CorrectionError: ``not_found`` (no such document in this tenant) or ``refused``: not a factura, rejected by
            the SII or annulled, bad charges, incomplete emisor data, no 56 CAF with folios left.
    """
    moment = corrections.chile_now(now, clock)
    lineas_check = check_cargos(cargos, tipo)
    razon = " ".join(reason.split())[:90] or default_reason(cargos)
    async with db.tenant_tx(pool, tenant_id) as conn:
        target = await documents_store.correction_target(conn, tenant_id, tipo, folio)
        if target is None:
            raise CorrectionError("not_found", f"el documento tipo {tipo} N° {folio} no existe en su empresa")
        if tipo not in DEBITABLE:
            raise CorrectionError("refused", "HQ emite notas de débito sobre facturas (33 y 34)")
        if target.state == "rejected":
            raise CorrectionError("refused", "el SII rechazó esta factura: no existe para el SII y no se le cargan "
                                             "montos; anúlela y emita una nueva")
        annulled = await documents_store.correction_of(conn, tenant_id, tipo, folio)
        if annulled is not None:
            raise CorrectionError("refused", f"esta factura fue anulada con la nota de crédito N° {annulled}")
        try:
            sale = (None if target.type is None or target.version is None
                    else _CODEC.decode(target.type, target.version, target.payload))
        except pos_errors.PosError:
            sale = None
        if not isinstance(sale, sales.SaleCompleted) or sale.customer is None:
            raise CorrectionError("refused", "no se encontró la venta de la factura ni su cliente: no se puede armar "
                                             "la nota")
        emisor = await _emisor(conn, tenant_id)
        referencia = documents.Referencia(str(tipo), str(folio), date.fromisoformat(target.stamped_at[:10]),
                                          documents.CodRef.CORRIGE_MONTOS, razon)
        receptor = documents.receptor_desde_cliente(sale.customer)

        def build(nd_folio: int) -> documents.Documento:
            return documents.nota_debito(folio=nd_folio, fecha_emision=moment.date(), emisor=emisor,
                                         receptor=receptor, lineas=lineas_check, referencia=referencia,
                                         montos_brutos=montos_brutos)

        done = await corrections.record_nota(conn, tenant_id, NOTA_DEBITO,
                                             lambda f: corrections.content_of_document(build(f)),
                                             sale_id=target.sale_id, moment=moment, by=by, emisor_rut=emisor.rut)
    return done


async def annul_debit(pool: db.Pool, tenant_id: int, folio: int, *, by: str, reason: str = "",
                      now: datetime | None = None, clock: clock_mod.Clock = clock_mod.utc_clock) -> Corrected:
    """Issue the nota de crédito (61) that annuls nota de débito ``folio`` issued in HQ (CodRef 1, its lines and
    totals; one transaction), whatever the SII said of it.

    Raises:
        CorrectionError: ``not_found`` (no nota de débito of HQ with that folio in this tenant) or ``refused``:
            already annulled, incomplete emisor data, no 61 CAF with folios left.
    """
    moment = corrections.chile_now(now, clock)
    razon = " ".join(reason.split())[:90] or RAZON_ANULA_DEBITO
    async with db.tenant_tx(pool, tenant_id) as conn:
        note = await documents_store.hq_note(conn, tenant_id, NOTA_DEBITO, folio)
        if note is None:
            raise CorrectionError("not_found", f"la nota de débito N° {folio} no existe en su empresa")
        annulled = await documents_store.correction_of(conn, tenant_id, NOTA_DEBITO, folio)
        if annulled is not None:
            raise CorrectionError("refused", f"esta nota de débito ya fue anulada con la nota de crédito N° {annulled}")
        emisor = await _emisor(conn, tenant_id)
        try:
            original = corrections.nota_from_content(note.content, folio=folio, tipo=NOTA_DEBITO, emisor=emisor,
                                                     fecha_emision=date.fromisoformat(note.stamped_at[:10]))
        except dte_errors.DteError as exc:
            raise CorrectionError("refused", f"no se pudo leer la nota de débito: {exc}") from None

        def build(nc_folio: int) -> documents.Documento:
            return documents.nota_que_anula(original, folio=nc_folio, fecha_emision=moment.date(), razon=razon)

        done = await corrections.record_nota(conn, tenant_id, corrections.NOTA_CREDITO,
                                             lambda f: corrections.content_of_document(build(f)),
                                             sale_id=note.sale_id, moment=moment, by=by, emisor_rut=emisor.rut)
    return done
