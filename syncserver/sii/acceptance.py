"""Answering a supplier's factura in the SII's Registro de Reclamos (accept, acknowledge the goods, or claim) on
behalf of the buyer tenant: ask the SII when it received the document, send the answer, and keep both with the
document (:mod:`syncserver.store.supplier_answers`). HQ's Compras and the demo call :func:`answer`; the DTE
scheduler's pass calls :func:`refresh_receptions`, so deadlines count from the SII's reception before anyone answers.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Final

from shared import errors as pos_errors
from syncserver.sii import packing, ws
from syncserver.sii.ws import reclamos
from syncserver.store import db
from syncserver.store import supplier_answers as answers_store
from syncserver.store.supplier_answers import Attempt, Key

MAX_REASON: Final = 200
log = logging.getLogger("syncserver.sii.acceptance")


class AnswerRefused(pos_errors.PosError):
    """The answer cannot be sent (nothing was sent nor kept); the message, in Spanish, says why."""


def clean_reason(action: str, reason: str) -> str:
    """The reason as kept: stripped, one line, at most :data:`MAX_REASON` characters; required for a claim.

    Raises:
        AnswerRefused: an unknown action, a claim without a reason, or a reason too long.
    """
    if action not in reclamos.ACTIONS:
        raise AnswerRefused(f"acción desconocida {action[:10]!r}: elija aceptar, dar recibo o reclamar")
    text = " ".join(reason.split())
    if len(text) > MAX_REASON:
        raise AnswerRefused(f"el motivo tiene {len(text)} caracteres; el máximo es {MAX_REASON}")
    if action in reclamos.CLAIMS and not text:
        raise AnswerRefused("un reclamo necesita un motivo (qué está mal en el documento o qué faltó)")
    return text


async def answer(pool: db.Pool, tenant_id: int, secret_key: str, client: ws.SiiClient, key: Key, *, action: str,
                 reason: str, actor: str, now: datetime) -> Attempt:
    """Send ``action`` (ACD, ERM, RCD, RFP, RFT) on the purchase ``key`` (supplier RUT, tipo, folio) of the tenant
    and keep the SII's answer with the document: also a refusal (its code) and an SII that could not be reached
    (code None, the error's text). Asks consultarFechaRecepcionSii first and keeps the reception (the window's
    start); the store that registered the purchase gets the answers through the change feed.

    Raises:
        AnswerRefused: unknown document, a type the register does not take, no usable certificate or RUT, or a
            bad action or reason (:func:`clean_reason`); nothing is sent nor kept.
    """
    text = clean_reason(action, reason)
    supplier_rut, tipo, folio = key
    async with db.tenant_tx(pool, tenant_id) as conn:
        found = await (await conn.execute(
            "SELECT store_id FROM purchases WHERE tenant_id = %s AND supplier_rut = %s AND tipo = %s AND folio = %s",
            (tenant_id, supplier_rut, tipo, folio))).fetchone()
    if found is None:
        raise AnswerRefused(f"no hay una compra registrada del proveedor {supplier_rut}, tipo {tipo}, folio {folio}")
    try:
        ws.split_rut(supplier_rut)
    except pos_errors.InvalidRut:
        raise AnswerRefused(f"el RUT del proveedor {supplier_rut[:20]!r} no es válido") from None
    if tipo not in reclamos.ANSWERABLE_TIPOS:
        raise AnswerRefused(f"el SII solo recibe respuestas a facturas (33, 34, 43); este documento es tipo {tipo}")
    try:
        account = await packing.account(pool, tenant_id, secret_key)
    except pos_errors.PosError as exc:
        raise AnswerRefused(f"no se puede hablar con el SII: {exc}") from None
    received: datetime | None = None
    try:
        received = await reclamos.reception(client, account, issuer_rut=supplier_rut, tipo=tipo, folio=folio)
        said = await reclamos.register(client, account, issuer_rut=supplier_rut, tipo=tipo, folio=folio,
                                       action=action)
        code, message = said.code, said.message
    except ws.SiiError as exc:
        code, message = None, f"no se pudo consultar al SII: {exc}"
    async with db.tenant_tx(pool, tenant_id) as conn:
        if received is not None:
            await answers_store.record_reception(conn, tenant_id, key, received, now)
        attempt = await answers_store.record_answer(conn, tenant_id, key, action=action, reason=text, actor=actor,
                                                    asked_at=now, code=code, message=message)
        await answers_store.forward(conn, tenant_id, key, str(found[0]))  # the store's tills show it
    return Attempt(attempt, action, text, actor, now, code, message)


async def refresh_receptions(pool: db.Pool, tenant_id: int, secret_key: str, client: ws.SiiClient, *,
                             now: datetime, limit: int = 20) -> int:
    """Ask the SII when it received the tenant's purchases still to answer whose reception is unknown
    (:func:`syncserver.store.supplier_answers.to_ask`, at most ``limit``) and keep each answer (also "not received
    yet", asked again hours later). Returns how many were asked; stops at the first SII error (logged: the next
    pass tries again) and asks nothing without a usable certificate or RUT."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        keys = await answers_store.to_ask(conn, tenant_id, now, limit)
    if not keys:
        return 0
    try:
        account = await packing.account(pool, tenant_id, secret_key)
    except pos_errors.PosError:
        return 0
    asked = 0
    for key in keys:
        supplier_rut, tipo, folio = key
        try:
            received = await reclamos.reception(client, account, issuer_rut=supplier_rut, tipo=tipo, folio=folio)
        except pos_errors.InvalidRut:
            received = None
        except ws.SiiError as exc:
            log.warning("sii reception query failed", extra={"tenant_id": tenant_id, "error": str(exc)})
            break
        async with db.tenant_tx(pool, tenant_id) as conn:
            await answers_store.record_reception(conn, tenant_id, key, received, now)
        asked += 1
    return asked
