"""Polling an envelope without track id (STATUS 99 without TRACKID): each of its documents still ``sent`` is asked
on its own (boletas through the boleta API's per-document state, facturas and notas through QueryEstDte).

A document the SII does not have yet (FAU, HTTP 404, in process) stays ``sent`` and is asked again; it is never
taken as rejected, and past :data:`UNKNOWN_GRACE` its glosa asks a person to check it on www.sii.cl. The envelope
is ``done`` once every document has its verdict. Details: docs/architecture.md §5.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from syncserver.dte import pipeline
from syncserver.sii import claims, packing, sending, verdicts, ws
from syncserver.store import db, outbox

log = logging.getLogger("syncserver.sii.forwarder")

UNKNOWN_GRACE: Final = timedelta(hours=24)
"""How long after a STATUS 99 without track id a document the SII does not have yet (FAU, HTTP 404, in process)
is simply waited for; after that it is still asked (never taken as rejected: FAU also means "not yet", and a
rejection would offer to annul a document the SII may have), and its glosa asks a person to check it on www.sii.cl."""
BAD_ANSWERS_IN_A_ROW: Final = 3
"""Unreadable per-document answers in a row after which the round stops (the SII is answering garbage); fewer are
recorded on their documents and the others are still asked."""
CONSUMIDOR_FINAL: Final = "66666666-6"
"""The RUTRecep of a boleta to an anonymous buyer (SII formato boletas), asked when a boleta carries none."""


@dataclass(slots=True)
class Asked:
    """The documents of an envelope without track id still waiting for a verdict, and what the SII answered about
    each as far as the queries got (``error``: the failure that ended the round; the documents after it were not
    asked)."""

    since: datetime
    documents: list[outbox.Document]
    answers: dict[tuple[int, int], ws.DocumentStatus] = field(default_factory=dict)
    failed: dict[tuple[int, int], str] = field(default_factory=dict)
    """Documents whose own query could not be read (an unreadable answer, a stored XML that cannot be read)."""
    error: ws.SiiError | None = None


async def poll_untracked(pool: db.Pool, client: ws.SiiClient, who: ws.Account, taken: claims.Claim) -> tuple[int, bool]:
    """Ask each waiting document of the claimed envelope (no track id) on its own and record the answers;
    ``(1 if the envelope got its last verdict else 0, whether a query failed)``.

    Raises:
        Exception: an unexpected error, after recording it on the envelope when possible.
    """
    try:
        asked = await _waiting(pool, taken)
    except Exception as exc:
        await claims.failed(pool, taken, exc, taken.claimed_at)
        raise
    try:
        async with claims.bounded(taken) as deadline:
            await ask_each(client, who, asked, functools.partial(claims.renew, pool, taken, deadline))
    except asyncio.CancelledError:
        await claims.give_back(pool, taken)
        raise
    except claims.ClaimLost as exc:
        log.warning("claim lost while polling", extra={"tenant_id": taken.tenant_id,
                                                       "envelope_id": taken.envelope_id, "error": str(exc)})
        return 0, False
    except ws.SiiError as exc:
        log.warning("document status failed", extra={"tenant_id": taken.tenant_id,
                                                     "envelope_id": taken.envelope_id, "error": str(exc)})
        asked.error = exc
    except Exception as exc:
        await claims.failed(pool, taken, exc, taken.claimed_at)
        raise
    finished = await claims.settle(pool, taken, _record, asked, taken.claimed_at)
    return 1 if finished and asked.error is None and _all_decided(asked) else 0, asked.error is not None


async def _waiting(pool: db.Pool, taken: claims.Claim) -> Asked:
    """The envelope's STATUS 99 time and its documents still ``sent`` (short read-only transaction)."""
    async with db.tenant_tx(pool, taken.tenant_id) as conn:
        since = await outbox.sent_at(conn, taken.tenant_id, taken.envelope_id)
        documents = await outbox.envelope_documents(conn, taken.tenant_id, taken.envelope_id, state="sent")
    return Asked(taken.claimed_at if since is None else since, documents)


async def ask_each(client: ws.SiiClient, who: ws.Account, asked: Asked,
                   before_query: Callable[[], Awaitable[None]]) -> None:
    """Ask the SII about each document of ``asked`` in turn (boletas through the boleta API, the others through
    QueryEstDte), awaiting ``before_query()`` before each query; answers go into ``asked.answers`` as they come.

    An unreadable answer about one document (or its stored XML unreadable) goes into ``asked.failed`` and the next
    document is asked, so one document cannot hold back the others; :data:`BAD_ANSWERS_IN_A_ROW` of them in a row
    end the round.

    Raises:
        SiiError: the SII is unavailable, refuses the credentials, or answers garbage again and again (the answers
            before stay in ``asked``).
        ClaimLost: from ``before_query``.
    """
    in_a_row = 0
    for doc in asked.documents:
        tipo, folio = doc.tipo, doc.folio
        try:
            fecha, monto, receptor = verdicts.doc_facts(doc.xml)
        except Exception as exc:  # our own stored XML: not the SII's fault, so it never ends the round
            asked.failed[(tipo, folio)] = f"no se pudo leer el documento guardado para consultarlo: {exc}"
            continue
        await before_query()
        try:
            if tipo in packing.BOLETAS:
                answer = await client.boleta_document_status(who, tipo=tipo, folio=folio, fecha_emision=fecha,
                                                             monto=monto, rut_receptor=receptor or CONSUMIDOR_FINAL)
            else:
                answer = await client.dte_document_status(who, tipo=tipo, folio=folio, fecha_emision=fecha,
                                                          monto=monto, rut_receptor=receptor)
        except ws.SiiBadAnswer as exc:
            asked.failed[(tipo, folio)] = str(exc)
            in_a_row += 1
            if in_a_row >= BAD_ANSWERS_IN_A_ROW:
                raise
            continue
        in_a_row = 0
        asked.answers[(tipo, folio)] = answer


def _verdict(answer: ws.DocumentStatus) -> verdicts.Verdict | None:
    """The verdict of one document of an envelope without track id; None while the SII does not have it (yet)."""
    return None if answer.not_yet else verdicts.document_verdict(answer)


def _all_decided(asked: Asked) -> bool:
    return not asked.failed and len(asked.answers) == len(asked.documents) and all(
        _verdict(answer) is not None for answer in asked.answers.values())


async def _record(conn: db.Conn, taken: claims.Claim, asked: Asked, now: datetime) -> None:
    tenant_id, envelope_id = taken.tenant_id, taken.envelope_id
    hours = f"{UNKNOWN_GRACE.total_seconds() / 3600:.0f} h"
    overdue = now - asked.since >= UNKNOWN_GRACE
    found: dict[tuple[int, int], verdicts.Verdict] = {}
    for (tipo, folio), answer in asked.answers.items():
        verdict = _verdict(answer)
        if verdict is not None:
            found[(tipo, folio)] = verdict
            continue
        if not overdue:
            waiting = f"el SII aún no tiene este documento ({answer.reason}); se consulta de nuevo"
        else:
            waiting = (f"el SII no reconoce este documento {hours} después de recibir su envío ({answer.reason}):"
                       " revíselo en www.sii.cl; se sigue consultando")
        await outbox.note_waiting(conn, tenant_id, envelope_id, tipo, folio, answer.estado, waiting[:1000])
    await verdicts.write_verdicts(conn, taken, found)
    for (tipo, folio), failure in asked.failed.items():
        glosa = (f"no se ha podido consultar este documento en {hours}: revíselo en www.sii.cl; se sigue consultando"
                 if overdue else None)
        await outbox.note_query_failed(conn, tenant_id, envelope_id, tipo, folio, failure[:1000], glosa)
    error = None if asked.error is None else str(asked.error)[:1000]
    if error is not None:
        not_asked = [(d.tipo, d.folio) for d in asked.documents
                     if (d.tipo, d.folio) not in asked.answers and (d.tipo, d.folio) not in asked.failed]
        await outbox.note_not_asked(conn, tenant_id, envelope_id, not_asked, error)
    tally = await outbox.tally(conn, tenant_id, envelope_id)
    summary = (f"{tally.get('accepted', 0)} aceptados, {tally.get('accepted_objections', 0)} con reparos,"
               f" {tally.get('rejected', 0)} rechazados")
    if not tally.get("sent"):
        await outbox.close_envelope(
            conn, tenant_id, envelope_id, "STATUS 99",
            f"el SII ya había recibido este mismo archivo (STATUS 99) sin informar su track id; consultados documento"
            f" por documento: {summary}")
        log.info("envelope verdict", extra={"tenant_id": tenant_id, "envelope_id": envelope_id,
                                            "estado": "STATUS 99", "rejected": tally.get("rejected", 0)})
        return
    wait = asked.error.retry_after if asked.error is not None else None
    delay = max(wait or timedelta(0), pipeline.backoff(taken.attempts))
    await outbox.note_progress(conn, tenant_id, envelope_id,
                               f"{sending.UNTRACKED}: {summary}, {tally['sent']} sin respuesta todavía", error,
                               now + delay)
