"""The stand-in's HTTP face: the SII's own paths and answer formats (SOAP ``.jws`` services, DTEUpload's
``RECEPCIONDTE``, the boleta REST API's XML and JSON), over the decisions of :mod:`.state`.

Faults (:meth:`StandIn.inject`, ``inject_delay``, ``inject_garbage``, ``outage_until``) are applied before any
processing, to every path but ``/health``; ``inject_no_track`` changes an upload's answer after it was received.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shared import errors as pos_errors
from shared import rut as rut_mod
from syncserver.sii.ws import endpoints as ep
from syncserver.sii.ws import reclamos as reclamos_wire
from syncserver.sii.ws import soap
from syncserver.sii.ws.errors import SiiBadAnswer
from syncserver.sii_standin.state import MAX_UPLOAD, Envio, StandIn, UploadRefused, verdict_counts

Handler = Callable[[Request, StandIn], Awaitable[Response]]

_UNAVAILABLE = (b"<html><head><title>503 Service Unavailable</title></head><body><h1>Servicio no disponible</h1>"
                b"</body></html>")
_OPERATIONS = {ep.CR_SEED: "getSeed", ep.GET_TOKEN: "getToken", ep.QUERY_EST_UP: "getEstUp",
               ep.QUERY_EST_DTE: "getEstDte"}


def _guarded(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        standin: StandIn = request.app.state.standin
        if standin.in_outage():
            return Response(_UNAVAILABLE, 503, media_type="text/html")
        fault = standin.take_fault(request.url.path)
        if fault is not None and fault.kind == "status":
            headers = {fault.header: str(fault.retry_after)} if fault.retry_after is not None else {}
            return Response(_UNAVAILABLE, fault.status, headers=headers, media_type="text/html")
        if fault is not None and fault.kind == "garbage":
            return Response(fault.body, 200, media_type=fault.content_type)
        request.state.no_track = fault is not None and fault.kind == "no_track"
        standin.requests.append(f"{request.method} {request.url.path}")
        response = await handler(request, standin)
        if fault is not None and fault.kind == "delay":  # processed, but the answer comes late (a client timeout)
            await asyncio.sleep(fault.seconds)
        return response

    return endpoint


def _rut(number: str, dv: str) -> str | None:
    try:
        return rut_mod.parse(f"{number.strip()}-{dv.strip()}").compact
    except pos_errors.InvalidRut:
        return None


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S")


def _xml(text: str | bytes, status: int = 200) -> Response:
    return Response(text if isinstance(text, bytes) else text.encode("utf-8"), status, media_type="text/xml")


# --- SOAP services ------------------------------------------------------------------------------------------------


async def _soap(request: Request, standin: StandIn) -> Response:
    operation = _OPERATIONS[request.url.path]
    try:
        op, params = soap.read_request(await request.body())
    except SiiBadAnswer as exc:
        return _xml(soap.fault(str(exc)), 500)
    if op != operation:
        return _xml(soap.fault(f"operación {op} desconocida en este servicio (se espera {operation})"), 500)
    if op == "getSeed":
        inner = soap.respuesta([("ESTADO", "00")], [("SEMILLA", standin.issue_seed())])
    elif op == "getToken":
        estado, glosa, token = standin.issue_token(params.get("pszXml", ""), "dte")
        inner = soap.respuesta([("ESTADO", estado), ("GLOSA", glosa)], [("TOKEN", token)] if token else [])
    else:
        state = standin.token_state(params.get("Token") or request.cookies.get("TOKEN"), "dte")
        if state != "ok":
            estado, glosa = ("002", "Token Inactivo") if state == "expired" else ("003", "Token No Existe")
            inner = soap.respuesta([("ESTADO", estado), ("GLOSA", glosa)])
        elif op == "getEstUp":
            inner = _est_up(standin, params)
        else:
            inner = _est_dte(standin, params)
    return _xml(soap.response(operation, inner))


def _est_up(standin: StandIn, params: dict[str, str]) -> str:
    company = _rut(params.get("RutCompania", ""), params.get("DvCompania", ""))
    track = params.get("TrackId", "").strip()
    envio = standin.poll(track, company or "")
    if envio is None:
        return soap.respuesta([("TRACKID", track), ("ESTADO", "-11"), ("GLOSA", "El envío no es de la empresa"),
                               ("ERR_CODE", "1"), ("SQL_CODE", "0"), ("SRV_CODE", "0")])
    if standin.pending(envio):
        return soap.respuesta([("TRACKID", track), ("ESTADO", "PDR"), ("GLOSA", "Envio en Proceso")])
    header = [("TRACKID", track), ("ESTADO", envio.estado), ("GLOSA", envio.glosa),
              ("NUM_ATENCION", f"{envio.polls} ( {envio.received:%Y/%m/%d %H:%M:%S})")]
    body: list[tuple[str, str]] = []
    for row in verdict_counts(envio):
        body += [("TIPO_DOCTO", str(row["tipo"])), ("INFORMADOS", str(row["informados"])),
                 ("ACEPTADOS", str(row["aceptados"])), ("RECHAZADOS", str(row["rechazados"])),
                 ("REPAROS", str(row["reparos"]))]
    return soap.respuesta(header, body)


def _est_dte(standin: StandIn, params: dict[str, str]) -> str:
    company = _rut(params.get("RutCompania", ""), params.get("DvCompania", "")) or ""
    receptor = _rut(params.get("RutReceptor", ""), params.get("DvReceptor", "")) or ""
    raw_date = params.get("FechaEmisionDte", "").strip()
    try:
        fecha: date | None = datetime.strptime(raw_date, "%d%m%Y").date()
    except ValueError:
        fecha = None
    try:
        tipo, folio, monto = (int(params.get(k, "").strip()) for k in ("TipoDte", "FolioDte", "MontoDte"))
    except ValueError:
        return soap.respuesta([("ESTADO", "-3"), ("GLOSA", "ERROR RETORNO: parámetros inválidos")])
    estado, glosa_estado, err_code, glosa_err = standin.document_status(company, tipo, folio, receptor, fecha, monto)
    return soap.respuesta([("ESTADO", estado), ("GLOSA_ESTADO", glosa_estado), ("ERR_CODE", err_code),
                           ("GLOSA_ERR", glosa_err), ("NUM_ATENCION", "1")])


# --- Registro de Reclamos -----------------------------------------------------------------------------------------


async def _reclamos(request: Request, standin: StandIn) -> Response:
    """The Registro de Reclamos (document/literal SOAP): HTTP 401 without a live DTE token (the client renews it)."""
    token = request.cookies.get("TOKEN")
    if standin.token_state(token, "dte") != "ok":
        return Response(b"No autorizado: token inexistente o vencido", 401, media_type="text/plain")
    try:
        op, params = reclamos_wire.read_request(await request.body())
    except SiiBadAnswer as exc:
        return _xml(soap.fault(str(exc)), 500)
    if op not in reclamos_wire.OPERATIONS:
        return _xml(soap.fault(f"operación {op} desconocida en el Registro de Reclamos"), 500)
    issuer = _rut(params.get("rutEmisor", ""), params.get("dvEmisor", ""))
    try:
        tipo, folio = int(params.get("tipoDoc", "").strip()), int(params.get("folio", "").strip())
    except ValueError:
        tipo = folio = 0
    registro = standin.reclamos
    if op == "consultarFechaRecepcionSii":
        at = registro.reception(issuer or "", tipo, folio)
        return _xml(reclamos_wire.response(op, "" if at is None else reclamos_wire.stamp(at)))
    if issuer is None:
        answer = reclamos_wire.Answer(1, reclamos_wire.CODES[1])
    elif folio <= 0:
        answer = reclamos_wire.Answer(2, reclamos_wire.CODES[2])
    elif op == "listarEventosHistDoc":
        answer = registro.history(issuer, tipo, folio)
    else:
        who = standin.token_holder(token) or ""
        answer = registro.act(issuer, tipo, folio, params.get("accionDoc", "").strip(), who, standin.now())
    return _xml(reclamos_wire.response(op, answer))


# --- DTEUpload ----------------------------------------------------------------------------------------------------


async def _form_upload(request: Request) -> tuple[dict[str, str], str, bytes | None]:
    """The multipart's text fields, the file's name and its bytes (None when missing or too big)."""
    async with request.form(max_files=1, max_fields=10) as form:
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        archivo = form.get("archivo")
        if not isinstance(archivo, UploadFile):
            return fields, "", None
        data = await archivo.read(MAX_UPLOAD + 1)
        return fields, archivo.filename or "envio.xml", data


async def _dte_upload(request: Request, standin: StandIn) -> Response:
    fields, filename, data = await _form_upload(request)
    sender = _rut(fields.get("rutSender", ""), fields.get("dvSender", ""))
    company = _rut(fields.get("rutCompany", ""), fields.get("dvCompany", ""))
    answer = {"rut_sender": sender or "", "rut_company": company or "", "filename": filename,
              "timestamp": _stamp(standin.now())}
    token = request.cookies.get("TOKEN")
    if standin.token_state(token, "dte") != "ok":
        return _xml(soap.recepcion(5, **answer))
    holder = standin.token_holder(token)
    if sender is None or company is None or (holder is not None and holder != sender):
        return _xml(soap.recepcion(1, errors=["el usuario no tiene permiso para enviar por esta empresa"], **answer))
    if not data:
        return _xml(soap.recepcion(2, errors=["falta el archivo o está vacío"], **answer))
    try:
        envio, again = standin.upload(data, via="dte", sender=sender, company=company)
    except UploadRefused as exc:
        return _xml(soap.recepcion(exc.status, errors=exc.errors[:20], **answer))
    if request.state.no_track:  # "already received", and no TRACKID
        return _xml(soap.recepcion(99, **answer))
    return _xml(soap.recepcion(99 if again else 0, track_id=envio.track_id, **answer))


# --- boleta REST ----------------------------------------------------------------------------------------------------


async def _boleta_seed(request: Request, standin: StandIn) -> Response:
    return _xml(soap.respuesta([("ESTADO", "00")], [("SEMILLA", standin.issue_seed())]))


async def _boleta_token(request: Request, standin: StandIn) -> Response:
    estado, glosa, token = standin.issue_token(await request.body(), "boleta")
    return _xml(soap.respuesta([("ESTADO", estado), ("GLOSA", glosa)], [("TOKEN", token)] if token else []))


def _unauthorised(standin: StandIn, request: Request) -> Response | None:
    if standin.token_state(request.cookies.get("TOKEN"), "boleta") != "ok":
        return JSONResponse({"error": "No autorizado: token inválido o vencido"}, status_code=401)
    return None


async def _boleta_envio(request: Request, standin: StandIn) -> Response:
    if (refused := _unauthorised(standin, request)) is not None:
        return refused
    fields, filename, data = await _form_upload(request)
    sender = _rut(fields.get("rutSender", ""), fields.get("dvSender", ""))
    company = _rut(fields.get("rutCompany", ""), fields.get("dvCompany", ""))
    holder = standin.token_holder(request.cookies.get("TOKEN"))
    if sender is None or company is None or (holder is not None and holder != sender):
        return JSONResponse({"error": "el usuario no tiene permiso para enviar por esta empresa"}, status_code=403)
    if not data or len(data) > MAX_UPLOAD:
        return JSONResponse({"error": "falta el archivo, está vacío o es demasiado grande"}, status_code=400)
    envio, _ = standin.upload(data, via="boleta", sender=sender, company=company)
    if request.state.no_track:  # "already received", and no trackid
        return JSONResponse({"rut_emisor": company, "rut_envia": sender, "fecha_recepcion": _stamp(envio.received),
                             "estado": "99", "glosa": "Archivo ya recibido", "file": filename})
    return JSONResponse({"rut_emisor": company, "rut_envia": sender, "trackid": int(envio.track_id),
                         "fecha_recepcion": _stamp(envio.received), "estado": "REC", "file": filename})


async def _boleta_status(request: Request, standin: StandIn) -> Response:
    if (refused := _unauthorised(standin, request)) is not None:
        return refused
    parts = request.path_params["ident"].split("-")
    company = _rut(parts[0], parts[1]) if len(parts) == 3 else None
    envio = standin.poll(parts[-1], company or "") if company else None
    if envio is None:
        return JSONResponse({"error": "envío no encontrado"}, status_code=404)
    answer: dict[str, object] = {"rut_emisor": envio.rut_company, "rut_envia": envio.rut_sender,
                                 "trackid": int(envio.track_id), "fecha_recepcion": _stamp(envio.received)}
    if standin.pending(envio):
        return JSONResponse({**answer, "estado": "REC", "estadistica": [], "detalle_rep_rech": []})
    return JSONResponse({**answer, "estado": envio.estado, "glosa": envio.glosa, "estadistica": verdict_counts(envio),
                         "detalle_rep_rech": _detalle(envio)})


def _detalle(envio: Envio) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for doc in envio.documents:
        if doc.estado == "ACEPTADO":
            continue
        rejected = doc.estado == "RECHAZADO"
        out.append({"tipo": doc.tipo, "folio": doc.folio, "estado": "RCH" if rejected else "RPR",
                    "descripcion": "DTE Rechazado" if rejected else "DTE Aceptado con Reparos",
                    "error": [{"seccion": "DTE", "linea": 0, "nivel": 3 if rejected else 1, "codigo": 1,
                               "descripcion": doc.reason, "detalle": None}]})
    return out


async def _boleta_document(request: Request, standin: StandIn) -> Response:
    """``GET boleta.electronica/{rut}-{dv}-{tipo}-{folio}/estado?rut_receptor=&dv_receptor=&monto=&fechaEmision=``
    → ``{"codigo", "descripcion"}``; 404 when the SII does not have the boleta, 400 for unreadable parameters."""
    if (refused := _unauthorised(standin, request)) is not None:
        return refused
    parts, query = request.path_params["ident"].split("-"), request.query_params
    company = _rut(parts[0], parts[1]) if len(parts) == 4 else None
    receptor = _rut(query.get("rut_receptor", ""), query.get("dv_receptor", ""))
    try:
        tipo, folio, monto = int(parts[2]), int(parts[3]), int(query.get("monto", ""))
        fecha = datetime.strptime(query.get("fechaEmision", ""), "%d-%m-%Y").date()
    except (IndexError, ValueError):
        company = None
    if company is None or receptor is None:
        return JSONResponse({"error": "parámetros inválidos"}, status_code=400)
    found = standin.boleta_document_status(company, tipo, folio, receptor, fecha, monto)
    if found is None:
        return JSONResponse({"error": "documento no encontrado"}, status_code=404)
    return JSONResponse({"codigo": found[0], "descripcion": found[1]})


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok", "service": "simulador del SII"})


def create_app(standin: StandIn | None = None) -> Starlette:
    """The stand-in as a Starlette app; its state is ``app.state.standin``."""
    routes = [Route("/health", _health, methods=["GET"]),
              *(Route(path, _guarded(_soap), methods=["POST"]) for path in _OPERATIONS),
              Route(ep.DTE_UPLOAD, _guarded(_dte_upload), methods=["POST"]),
              Route(ep.RECLAMOS, _guarded(_reclamos), methods=["POST"]),
              Route(ep.BOLETA_SEED, _guarded(_boleta_seed), methods=["GET"]),
              Route(ep.BOLETA_TOKEN, _guarded(_boleta_token), methods=["POST"]),
              Route(ep.BOLETA_ENVIO, _guarded(_boleta_envio), methods=["POST"]),
              Route(ep.BOLETA_ENVIO + "/{ident}", _guarded(_boleta_status), methods=["GET"]),
              Route(ep.BOLETA_DOCUMENTO + "/{ident}/estado", _guarded(_boleta_document), methods=["GET"])]
    app = Starlette(routes=routes)
    app.state.standin = standin or StandIn()
    return app
