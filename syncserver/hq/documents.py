"""``/hq/documentos``: each tax document's way to the SII (issued, signed, sent with track id, accepted, accepted
with objections — the SII's reparos —, rejected with the SII's reason), filtered by state and type; the SII's text
comes from ``sii_glosa`` and ``last_error`` (:func:`explanations`: each distinct text once); a rejected document, or
a nota de débito issued here, can be annulled with a nota de crédito issued here
(``/hq/documentos/{tipo}/{folio}/corregir``), a factura charged more with a nota de débito
(``/hq/documentos/{tipo}/{folio}/nota-debito``), each confirmed with the user's password; every signed document
can be downloaded as the PDF the customer receives (``/hq/documentos/{tipo}/{folio}.pdf``, ``?cedible=1`` for the
cedible copy of a factura).
"""

from __future__ import annotations

from typing import Any

from psycopg.rows import dict_row
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from shared.dte import errors as dte_errors
from shared.dte import pdf as dte_pdf
from syncserver import state as app_state
from syncserver.dte import corrections, emisor, folios, notes
from syncserver.hq import auth, params, pdf_reportlab, web
from syncserver.hq.folios import TIPOS
from syncserver.hq.web import HqUser
from syncserver.store import db
from syncserver.store import documents as documents_store

STATES = {"issued": "Emitido en caja", "signed": "Firmado", "sent": "Enviado al SII", "accepted": "Aceptado",
          "accepted_objections": "Aceptado con reparos", "rejected": "Rechazado"}
PAGE = 200
PDF_LINKS = True
"""Show the "PDF" link of each row (``/hq/documentos/{tipo}/{folio}.pdf``) once that route exists."""

_ROWS = (
    "SELECT o.tipo, o.folio, o.state, o.track_id, o.attempts, o.last_error, o.sii_estado, o.sii_glosa,"
    " o.updated_at, d.stamped_at,"
    " d.terminal_id, t.name AS terminal_name, fix.folio AS corrected_by, nc.original_tipo, nc.original_folio,"
    " nc.codref AS nc_codref, (SELECT array_agg(dn.folio ORDER BY dn.folio) FROM dte_corrections dn"
    " WHERE dn.tenant_id = o.tenant_id AND dn.original_tipo = o.tipo AND dn.original_folio = o.folio"
    " AND dn.tipo = 56) AS debits"
    " FROM dte_outbox o JOIN dte_documents d ON d.tenant_id = o.tenant_id AND d.tipo = o.tipo AND d.folio = o.folio"
    " LEFT JOIN terminals t ON t.tenant_id = d.tenant_id AND t.terminal_id = d.terminal_id"
    " LEFT JOIN dte_corrections fix ON fix.tenant_id = o.tenant_id AND fix.original_tipo = o.tipo"
    " AND fix.original_folio = o.folio AND fix.codref = 1"
    " LEFT JOIN dte_corrections nc ON nc.tenant_id = o.tenant_id AND nc.tipo = o.tipo AND nc.folio = o.folio")


_IN_SCOPE = ("SELECT 1 FROM dte_documents sd JOIN terminals st ON st.tenant_id = sd.tenant_id"
             " AND st.terminal_id = sd.terminal_id WHERE sd.tenant_id = o.tenant_id AND sd.tipo = o.tipo"
             " AND sd.folio = o.folio AND st.store_id = ANY(%s::text[])")
"""Whether document ``o`` was issued by a till of the stores ``%s`` (an encargado's)."""

DETAIL_LABELS = {"rejected": "Motivo del SII:", "accepted_objections": "Reparos del SII:"}
UNTRACKED = "sin track id: consultado documento por documento"
"""Shown with "Enviado al SII" when the SII answered "already received" without a track id (the forwarder asks
each document's state on its own)."""


def explanations(*texts: str | None) -> list[str]:
    """The texts that explain a document's state, each once, in order: empty ones dropped, whitespace collapsed,
    and a text contained in another (the same reason stored as ``sii_glosa`` and as ``last_error``, one of them
    with a prefix) kept only in its longer form."""
    out: list[str] = []
    for raw in texts:
        text = " ".join((raw or "").split())
        key = text.casefold()
        if not text or any(key in seen.casefold() for seen in out):
            continue
        out = [seen for seen in out if seen.casefold() not in key] + [text]
    return out


MAX_FOLIO = 9_999_999_999
"""A folio has at most 10 digits (the CAF's RNG ``D``/``H``)."""


def document_key(request: Request) -> tuple[int, int] | None:
    """The ``{tipo}``/``{folio}`` of the address; None when no document can have them (a 404)."""
    tipo, folio = int(request.path_params["tipo"]), int(request.path_params["folio"])
    return (tipo, folio) if tipo in TIPOS and 1 <= folio <= MAX_FOLIO else None


@web.login_required
async def page(request: Request, user: HqUser) -> Response:
    """The latest documents (``?estado=`` one state, ``?tipo=`` one type), with counts by state."""
    query = request.query_params
    state = params.choice_param(query, "estado", "Estado", {s: s for s in STATES}, default=None)
    tipo = params.choice_param(query, "tipo", "Tipo de documento", {str(t): t for t in TIPOS}, default=None)
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        scope = user.store_scope  # an encargado: the documents of his stores' tills only
        counts: dict[str, int] = {str(s): int(n) for s, n in await (await conn.execute(
            "SELECT o.state, count(*) FROM dte_outbox o WHERE o.tenant_id = %s"
            " AND (%s::int IS NULL OR o.tipo = %s::int) AND (%s::text[] IS NULL OR EXISTS (" + _IN_SCOPE + "))"
            " GROUP BY o.state", (user.tenant_id, tipo, tipo, scope, scope))).fetchall()}
        async with conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                _ROWS + " WHERE o.tenant_id = %s AND (%s::text IS NULL OR o.state = %s::text)"
                " AND (%s::int IS NULL OR o.tipo = %s::int) AND (%s::text[] IS NULL OR EXISTS (" + _IN_SCOPE + "))"
                " ORDER BY o.updated_at DESC, o.tipo, o.folio DESC LIMIT %s",
                (user.tenant_id, state, state, tipo, tipo, scope, scope, PAGE))
            rows = await cur.fetchall()
        flagged = {(x.tipo, x.folio): x for x in await documents_store.rejected_references(conn, user.tenant_id)}
    for r in rows:
        reference = flagged.get((r["tipo"], r["folio"]))
        r["rejected_reference"] = rejected_reference_text(reference)
        r["rejected_reference_open"] = reference is not None and reference.annulled_by is None
        r["from_hq"] = r["terminal_id"] == folios.SERVER_TERMINAL
        r["correctable"] = (r["state"] == "rejected" and r["tipo"] in corrections.CORRECTABLE
                            and r["corrected_by"] is None)
        r["debitable"] = debitable(r)
        r["annullable"] = annullable(r)
        r["detail_label"] = DETAIL_LABELS.get(r["state"], "")
        r["untracked"] = r["state"] == "sent" and not r["track_id"]  # STATUS 99 without track id
        r["details"] = explanations(r["sii_glosa"], r["last_error"])
    return web.render(request, "documents.html", user=user, section="documentos", rows=rows, counts=counts,
                      states=STATES, state=state, tipo=tipo, tipos=TIPOS, page_size=PAGE, pdf_links=PDF_LINKS,
                      untracked=UNTRACKED,
                      notice=_notice(params.text_param(query, "corregido", "Aviso", max_len=60)))


def rejected_reference_text(found: documents_store.RejectedReference | None) -> str:
    """What Documentos says of a nota HQ issued on a document the SII rejected, and what to do ("" for any other)."""
    if found is None:
        return ""
    name = str(TIPOS.get(found.original_tipo, f"documento {found.original_tipo}")).lower()
    original = f"{name} N° {found.original_folio:,}".replace(",", ".")
    if found.annulled_by is not None:
        return (f"Referencia a documento rechazado: el SII rechazó la {original} que esta nota modifica; la nota ya "
                f"fue anulada con la nota de crédito N° {found.annulled_by:,}.".replace(",", "."))
    return (f"Referencia a documento rechazado: el SII rechazó la {original} que esta nota modifica, así que la "
            "nota no tiene a qué sumarse. Anule esta nota con «Anular con nota de crédito», corrija la factura con "
            "«Corregir con nota de crédito» y, si el cobro sigue en pie, emita una factura nueva y sobre ella la "
            "nota de débito.")


def debitable(row: dict[str, Any]) -> bool:
    """Whether HQ may issue a nota de débito on this document: a factura the SII did not reject, not annulled."""
    return row["tipo"] in notes.DEBITABLE and row["state"] != "rejected" and row["corrected_by"] is None


def annullable(row: dict[str, Any]) -> bool:
    """Whether HQ may annul this document with a nota de crédito whatever its state: a nota de débito issued in HQ
    and not annulled yet."""
    return row["tipo"] == notes.NOTA_DEBITO and row["original_tipo"] is not None and row["corrected_by"] is None


def _notice(done: str) -> str:
    """``61:5:39:1`` (after a correction or annulment) or ``56:1:33:7`` (after a nota de débito) → the sentence
    shown on top of the list."""
    parts = done.split(":")
    if len(parts) != 4 or not all(p.isascii() and p.isdigit() for p in parts):
        return ""
    nota, original = int(parts[1]), f"{TIPOS.get(int(parts[2]), parts[2])} N° {parts[3]}"
    what = (f"Nota de débito N° {nota} emitida sobre {original}" if parts[0] == "56"
            else f"Nota de crédito N° {nota} emitida: anula {original}")
    return f"{what}. El servidor la firmará y la enviará al SII en su próxima pasada."


async def _password_error(request: Request, user: HqUser, form: Any, what: str) -> str:
    """Empty when the form's ``password`` is the user's; else why not (the attempt counts against the login)."""
    attempt = await auth.check_password(request, user.email, params.raw(form, "password", "Contraseña",
                                                                       max_len=1000) or "")
    if attempt.tenant_id == user.tenant_id:
        return ""
    if attempt.locked_until is not None:
        return "Demasiados intentos fallidos: la cuenta quedó bloqueada por unos minutos."
    return f"Contraseña incorrecta: la {what} no se emitió."


async def _document(request: Request, user: HqUser, tipo: int, folio: int) -> dict[str, Any] | None:
    """The document, when the user sees it (an encargado: issued by a till of his stores)."""
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn, \
            conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(_ROWS + " WHERE o.tenant_id = %s AND o.tipo = %s AND o.folio = %s"
                          " AND (%s::text[] IS NULL OR EXISTS (" + _IN_SCOPE + "))",
                          (user.tenant_id, tipo, folio, user.store_scope, user.store_scope))
        return await cur.fetchone()


@web.login_required
async def correct(request: Request, user: HqUser) -> Response:
    """``GET`` asks for confirmation (reason and the user's password); ``POST`` issues the nota de crédito that
    annuls the rejected document ``{tipo}``/``{folio}``, or the nota de débito ``56``/``{folio}`` issued in HQ."""
    key = document_key(request)
    document = await _document(request, user, *key) if key is not None else None
    if key is None or document is None:
        return web.not_found(request, user, "El documento")
    tipo, folio = key

    def confirm(status: int = 200, error: str = "", reason: str = "") -> Response:
        return web.render(request, "correct.html", status=status, user=user, section="documentos", doc=document,
                          tipos=TIPOS, states=STATES, error=error, reason=reason,
                          default_reason=(notes.RAZON_ANULA_DEBITO if tipo == notes.NOTA_DEBITO
                                          else corrections.DEFAULT_REASON),
                          correctable=document["tipo"] in corrections.CORRECTABLE, annullable=annullable(document))

    if request.method != "POST":
        return confirm()
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    reason = " ".join(params.text_param(form, "motivo", "Motivo", max_len=300).split())[:90]
    error = await _password_error(request, user, form, "nota de crédito")
    if error:
        return confirm(403, error, reason)
    try:
        if tipo == notes.NOTA_DEBITO:
            done = await notes.annul_debit(request.app.state.pool, user.tenant_id, folio, by=user.email,
                                           reason=reason, clock=app_state.clock(request))
        else:
            done = await corrections.correct_rejected(request.app.state.pool, user.tenant_id, tipo, folio,
                                                      by=user.email, reason=reason, clock=app_state.clock(request))
    except corrections.CorrectionError as exc:
        if exc.code == "not_found":
            return web.not_found(request, user, "El documento")
        return confirm(409, str(exc), reason)
    return web.redirect(f"/documentos?corregido={done.tipo}:{done.folio}:{tipo}:{folio}")


CARGO_ROWS = 4
"""Charge rows the nota de débito form offers (empty ones are ignored)."""
MONTOS = {"netos": False, "brutos": True}
"""The form's «Los montos» choice → ``montos_brutos``."""


def _cargos(form: Any, tipo: int) -> list[notes.Cargo]:
    """The charges typed in the form's rows (a row counts when it has an amount).

    Raises:
        BadInput: a row with a detail and no amount, an amount that is not pesos, an unknown concepto.
    """
    out = []
    for n in range(1, CARGO_ROWS + 1):
        detalle = params.text_param(form, f"detalle_{n}", f"Detalle del cargo {n}", max_len=notes.MAX_NOMBRE)
        monto = params.peso_param(form, f"monto_{n}", f"Monto del cargo {n}", required=bool(detalle), low=1)
        if monto is None:
            continue
        concepto = params.choice_param(form, f"concepto_{n}", f"Concepto del cargo {n}",
                                       {k: k for k in notes.CONCEPTOS}, default="precio")
        exento = tipo == 34 or params.flag_param(form, f"exento_{n}", f"Cargo {n} exento")
        out.append(notes.Cargo(concepto, monto, detalle, exento))
    if not out:
        raise params.BadInput("monto_1", "Cargos", "ingrese al menos un cargo con su monto")
    return out


@web.login_required
async def debit(request: Request, user: HqUser) -> Response:
    """``GET`` the nota de débito form of factura ``{tipo}``/``{folio}`` (charges: a price difference, interest,
    freight; the reason; the user's password); ``POST`` issues it."""
    key = document_key(request)
    document = await _document(request, user, *key) if key is not None else None
    if key is None or document is None:
        return web.not_found(request, user, "El documento")
    tipo, folio = key
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn, \
            conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT s.total, e.payload->'customer'->>'razon_social' AS cliente, e.payload->'customer'->>'rut' AS rut"
            " FROM dte_documents d JOIN sales s ON s.tenant_id = d.tenant_id AND s.sale_id = d.sale_id"
            " LEFT JOIN events e ON e.tenant_id = s.tenant_id AND e.terminal_id = s.terminal_id AND e.epoch = s.epoch"
            " AND e.seq = s.seq WHERE d.tenant_id = %s AND d.tipo = %s AND d.folio = %s",
            (user.tenant_id, tipo, folio))
        factura = await cur.fetchone() or {}

    def form_page(status: int = 200, error: str = "", values: Any = None) -> Response:
        return web.render(request, "debit.html", status=status, user=user, section="documentos", doc=document,
                          factura=factura, tipos=TIPOS, states=STATES, error=error, values=values or {},
                          conceptos=notes.CONCEPTOS, rows=range(1, CARGO_ROWS + 1), debitable=debitable(document))

    if request.method != "POST":
        return form_page()
    form = await web.read_form(request)
    if form is None:
        return web.csrf_failed(request, user)
    values = {k: v for k, v in form.items() if k not in ("password", "csrf") and isinstance(v, str)}
    try:
        cargos = _cargos(form, tipo)
        montos_brutos = params.choice_param(form, "montos", "Los montos", MONTOS, default=False)
        reason = " ".join(params.text_param(form, "motivo", "Motivo", max_len=300).split())[:90]
    except params.BadInput as exc:
        return form_page(400, exc.message, values)
    error = await _password_error(request, user, form, "nota de débito")
    if error:
        return form_page(403, error, values)
    try:
        done = await notes.issue_debit(request.app.state.pool, user.tenant_id, tipo, folio, cargos, by=user.email,
                                       reason=reason, montos_brutos=montos_brutos, clock=app_state.clock(request))
    except corrections.CorrectionError as exc:
        if exc.code == "not_found":
            return web.not_found(request, user, "El documento")
        return form_page(409, str(exc), values)
    return web.redirect(f"/documentos?corregido={done.tipo}:{done.folio}:{tipo}:{folio}")


@web.login_required
async def pdf(request: Request, user: HqUser) -> Response:
    """The signed document ``{tipo}``/``{folio}`` as a PDF (SII Manual de Muestras Impresas layout, timbre as
    PDF417); 404 for another tenant's or an unknown document, 409 while it is not signed yet."""
    key = document_key(request)
    if key is None:
        return web.not_found(request, user, "El documento")
    tipo, folio = key
    cedible = params.flag_param(request.query_params, "cedible", "Copia cedible")
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        row = await (await conn.execute(
            "SELECT o.xml FROM dte_outbox o WHERE o.tenant_id = %s AND o.tipo = %s AND o.folio = %s"
            " AND (%s::text[] IS NULL OR EXISTS (" + _IN_SCOPE + "))",
            (user.tenant_id, tipo, folio, user.store_scope, user.store_scope))).fetchone()
        config = await emisor.load_emisor(conn, user.tenant_id)
    if row is None:
        return web.not_found(request, user, "El documento")
    if row[0] is None:
        return web.error_page(request, 409, "Documento aún no firmado",
                              "El servidor todavía no firma este documento: el PDF estará disponible cuando lo haga.",
                              user)
    resolution = config.resolution if config is not None else None
    try:
        data = await run_in_threadpool(
            dte_pdf.render_pdf, bytes(row[0]), backend=pdf_reportlab.ReportlabBackend(),
            resolucion=(resolution.numero, resolution.fecha.year) if resolution is not None else None,
            cedible=cedible, unidad_sii=(config.unidad_sii or None) if config is not None else None)
    except dte_errors.DteError as exc:
        return web.error_page(request, 422, "No se pudo generar el PDF", str(exc), user)
    name = f"DTE_T{tipo}F{folio}{'_cedible' if cedible else ''}.pdf"
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})
