"""Verdicts: what the SII decided about each document of an envío, from its final state and, for EnvioDTE types
with rejections or reparos, one QueryEstDte per document; and how a verdict is recorded.

Boletas: ``detalle_rep_rech`` names the rejected (RCH) and reparos (RPR/RLV) documents, the others are accepted.
EnvioDTE: a type whose documents were all accepted needs nothing more; the others are asked one by one. Rules and
codes: docs/architecture.md §5.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date

from shared.dte import xmlcore
from syncserver.sii import claims, ws
from syncserver.store import db, outbox

log = logging.getLogger("syncserver.sii.forwarder")


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the SII decided about one document: ``state`` accepted, accepted_objections or rejected, the SII's
    code (``sii_estado``) and text (``glosa``: the reason of a rejection, the reparos)."""

    state: str
    sii_estado: str
    glosa: str = ""


def doc_facts(data: bytes) -> tuple[date, int, str]:
    """FchEmis, MntTotal and RUTRecep of a stored signed DTE (our own bytes), for QueryEstDte.

    Raises:
        SiiBadAnswer: the document has no Encabezado (cannot happen: it was schema-valid).
    """
    documento = xmlcore.child(xmlcore.parse(data), "Documento")
    enc = None if documento is None else xmlcore.child(documento, "Encabezado")
    if enc is None:
        raise ws.SiiBadAnswer("un documento guardado no tiene Encabezado")  # cannot happen: schema-valid
    return (date.fromisoformat((xmlcore.text(enc, "IdDoc/FchEmis") or "").strip()),
            int((xmlcore.text(enc, "Totales/MntTotal") or "0").strip()),
            (xmlcore.text(enc, "Receptor/RUTRecep") or "").strip())


async def verdicts_of(client: ws.SiiClient, who: ws.Account, kind: str, status: ws.EnvioStatus,
                      documents: Sequence[outbox.Document], *,
                      before_query: Callable[[], Awaitable[None]] | None = None) -> dict[tuple[int, int], Verdict]:
    """Each document's verdict from a final envío state; may ask QueryEstDte per document, awaiting
    ``before_query()`` before each such query (:func:`syncserver.sii.polling.poll` renews its claim there).

    Raises:
        SiiError: a per-document query failed (the whole envelope is asked again later).
    """
    details = {(d.tipo, d.folio): d for d in status.details}
    out: dict[tuple[int, int], Verdict] = {}
    for doc in documents:
        detail = details.get((doc.tipo, doc.folio))
        if detail is not None:
            out[(doc.tipo, doc.folio)] = (
                Verdict("accepted_objections", detail.estado, detail.reason) if detail.objections
                else Verdict("rejected", detail.estado, detail.reason or status.glosa))
        elif status.phase == "rejected":
            out[(doc.tipo, doc.folio)] = Verdict("rejected", status.estado, f"envío rechazado por el SII"
                                                                            f" ({status.estado}): {status.glosa}")
        elif kind == "EnvioBOLETA":
            out[(doc.tipo, doc.folio)] = Verdict("accepted", status.estado)
    if status.phase == "rejected" or kind == "EnvioBOLETA":
        return out
    by_type: dict[int, list[tuple[int, bytes]]] = {}
    for doc in documents:
        if (doc.tipo, doc.folio) not in out:
            by_type.setdefault(doc.tipo, []).append((doc.folio, doc.xml))
    for tipo, docs in by_type.items():
        count = status.count(tipo)
        if count is not None and count.aceptados == count.informados == len(docs):
            out.update({(tipo, folio): Verdict("accepted", status.estado) for folio, _ in docs})
            continue
        for folio, data in docs:
            fecha, monto, receptor = doc_facts(data)
            if before_query is not None:
                await before_query()
            answer = await client.dte_document_status(who, tipo=tipo, folio=folio, fecha_emision=fecha, monto=monto,
                                                      rut_receptor=receptor)
            out[(tipo, folio)] = document_verdict(answer, count)
    return out


def document_verdict(answer: ws.DocumentStatus, count: ws.TypeCount | None = None) -> Verdict:
    """One document's verdict from the SII's answer about it (QueryEstDte, or the boleta API's per-document state).

    Not received (FAU, FNA, DNK, RCH…) is ``rejected`` with the SII's codes and texts. Received (DOK…) is
    ``accepted_objections`` when the document's type had reparos in the envío (``count``) and either no plain
    acceptance or the SII's text says "reparo"; with no counts (an envelope without track id), when the SII's code
    (RPR, RLV) or text says reparos; else ``accepted``.
    """
    if not answer.received:
        return Verdict("rejected", answer.estado, f"rechazado por el SII: {answer.reason}")
    said = answer.objections or "reparo" in answer.glosa_err.lower()
    objections = said if count is None else count.reparos > 0 and (count.aceptados == 0 or said)
    return (Verdict("accepted_objections", answer.estado, answer.glosa_err or "con reparos") if objections
            else Verdict("accepted", answer.estado))


def summary(status: ws.EnvioStatus) -> str:
    """The envío's glosa and its counts per type, as the envelope shows them (at most 1,000 characters)."""
    counts = "; ".join(f"tipo {c.tipo}: {c.informados} informados, {c.aceptados} aceptados, {c.rechazados}"
                       f" rechazados, {c.reparos} con reparos" for c in status.counts)
    return (status.glosa + (f" — {counts}" if counts else ""))[:1000]


async def write_verdicts(conn: db.Conn, taken: claims.Claim, verdicts: dict[tuple[int, int], Verdict]) -> None:
    """Each document's verdict on its outbox row (a rejection's glosa is also its ``last_error``)."""
    for (tipo, folio), verdict in verdicts.items():
        rejected = verdict.state == "rejected"
        await outbox.set_verdict(conn, taken.tenant_id, taken.envelope_id, tipo, folio, state=verdict.state,
                                 estado=verdict.sii_estado, glosa=verdict.glosa[:1000] or None,
                                 error=verdict.glosa[:1000] if rejected else None)


async def record_verdicts(conn: db.Conn, taken: claims.Claim, status: ws.EnvioStatus,
                          verdicts: dict[tuple[int, int], Verdict]) -> None:
    """The envío's final state: its documents' verdicts, and the envelope ``done`` with the SII's code and counts."""
    await write_verdicts(conn, taken, verdicts)
    await outbox.close_envelope(conn, taken.tenant_id, taken.envelope_id, status.estado, summary(status))
    log.info("envelope verdict", extra={"tenant_id": taken.tenant_id, "envelope_id": taken.envelope_id,
                                        "estado": status.estado,
                                        "rejected": sum(v.state == "rejected" for v in verdicts.values())})
