"""Terminal endpoints: ``POST /sync/enroll``, ``POST /sync/push``, ``GET /sync/pull``, ``POST /sync/epoch``,
``POST /sync/leases`` (a till's folio leases, asked for after a restore of the master).

Errors are JSON ``{"error": code, "message": ..., **data}`` with a status per code: ``malformed`` 400,
``unauthenticated`` 401, ``revoked``, ``tenant`` and ``store_inactive`` (a deactivated store) 403, ``gap`` and
``epoch`` 409, ``too_large`` 413, ``chain`` and ``unstorable`` (PostgreSQL refused a value of the batch; nothing
applied) 422, ``enrollment`` 400, ``rate_limited`` 429 (too many refused enrolments from the address;
``retry_after`` seconds, also in ``Retry-After``).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from shared import sync
from shared.events import registry
from syncserver import state, tenancy
from syncserver.dte import folio_hold
from syncserver.ingest import epoch as epoch_mod
from syncserver.ingest import push as push_mod
from syncserver.store import audit, change_feed, db, terminals, throttle

log = logging.getLogger("almacen.sync")

STATUS = {"malformed": 400, "enrollment": 400, "unauthenticated": 401, "revoked": 403, "tenant": 403,
          "store_inactive": 403,
          "gap": 409, "epoch": 409, "conflict": 409, "too_large": 413, "chain": 422,
          "unstorable": 422, "rate_limited": 429}

CODEC = registry.build_codec()


def error_response(exc: sync.SyncError) -> JSONResponse:
    headers = {"Retry-After": str(exc.data["retry_after"])} if "retry_after" in exc.data else None
    return JSONResponse({"error": exc.code, "message": exc.detail, **exc.data}, status_code=STATUS.get(exc.code, 400),
                        headers=headers)


def _limits(request: Request) -> tuple[int, int]:
    settings = state.settings(request)
    return settings.max_batch_bytes, settings.max_batch_events


async def _body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise sync.SyncError("too_large", f"el lote supera {max_bytes} bytes", max_bytes=max_bytes)
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise sync.SyncError("too_large", f"el lote supera {max_bytes} bytes", max_bytes=max_bytes)
            chunks.append(chunk)
    except ClientDisconnect:  # a flaky link cut the upload: refused like any incomplete body, not a 500
        raise sync.SyncError("malformed", "la conexión se cortó antes de recibir el cuerpo completo") from None
    return b"".join(chunks)


def _signed_headers(request: Request) -> tuple[str, str]:
    terminal_id = request.headers.get("x-terminal", "")
    signature = request.headers.get("x-signature", "")
    if not terminal_id or not signature:
        raise sync.SyncError("unauthenticated", "faltan las cabeceras X-Terminal y X-Signature")
    if len(request.headers.getlist("x-terminal")) > 1 or len(request.headers.getlist("x-signature")) > 1:
        raise sync.SyncError("unauthenticated", "las cabeceras X-Terminal y X-Signature van una sola vez")
    return terminal_id, signature


def _pending(request: Request) -> int:
    """``X-Pending`` (entries the terminal still holds unsent, display only); 0 when absent or not a plain number.

    ``str.isdigit`` alone would let "²" (``int`` refuses it) or a number beyond bigint through to a 500.
    """
    raw = request.headers.get("x-pending", "0")
    return min(int(raw), 2**62) if raw.isascii() and raw.isdigit() else 0


def _terminal_clock(request: Request) -> datetime | None:
    try:
        return datetime.fromisoformat(request.headers.get("x-terminal-time", ""))
    except ValueError:
        return None


async def enroll(request: Request) -> JSONResponse:
    """``POST /sync/enroll`` ``{"code", "public_key", "terminal_id"}``: a refused enrolment counts against the
    sender's address (:data:`throttle.ENROLMENT_ADDRESS`: 10 in a row lock it out, for longer each time) and goes to
    the audit trail of the tenant that issued the code (the server log when none did)."""
    pool, clock = request.app.state.pool, state.clock(request)
    address = request.client.host if request.client else ""
    try:
        async with db.auth_tx(pool) as conn:
            locked = await throttle.locked_until(conn, [(throttle.ENROLMENT_ADDRESS, address)], clock())
        if locked is not None:
            log.warning("enrolment refused: address locked out", extra={"address": address})
            raise _locked_out(locked, clock())
        data = json.loads(await _body(request, 64 << 10))
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in
                                                 ("code", "public_key", "terminal_id")):
            raise sync.SyncError("malformed", "se esperan code, public_key y terminal_id")
        try:
            enrolled = await tenancy.enroll(pool, data["code"], data["public_key"], data["terminal_id"], clock=clock)
        except tenancy.TenancyError as exc:
            raise await _refused(request, address, data["code"], data["terminal_id"][:100], exc) from None
        await epoch_mod.first_leases(pool, enrolled.tenant_id, enrolled.terminal_id,
                                     enrolled.store_id, enrolled.epoch, clock=clock,
                                     **_folio_settings(request))
    except ValueError:
        return error_response(sync.SyncError("malformed", "JSON inválido"))
    except sync.SyncError as exc:
        return error_response(exc)
    log.info("terminal enrolled", extra={"tenant_id": enrolled.tenant_id, "terminal_id": enrolled.terminal_id})
    await audit.record_tx(pool, tenant_id=enrolled.tenant_id, kind="enrolment_ok", actor=enrolled.terminal_id,
                          address=address, detail=f"Caja enrolada en la tienda {enrolled.store_id}.", at=clock())
    return JSONResponse({"terminal_id": enrolled.terminal_id, "tenant_id": enrolled.tenant_id,
                         "store_id": enrolled.store_id, "epoch": enrolled.epoch})


def _locked_out(until: datetime, now: datetime) -> sync.SyncError:
    seconds = max(1, int((until - now).total_seconds()))
    minutes = max(1, -(-seconds // 60))
    return sync.SyncError("rate_limited", "demasiados intentos de enrolamiento rechazados desde esta dirección; por"
                          f" seguridad, intente de nuevo en {minutes} minuto{'s' if minutes != 1 else ''}",
                          retry_after=seconds)


async def _refused(request: Request, address: str, code: str, terminal_id: str,
                   exc: tenancy.TenancyError) -> sync.SyncError:
    """Count a refused enrolment against ``address`` and audit it; the error to answer (``rate_limited`` when
    this refusal starts a lock-out)."""
    pool, now = request.app.state.pool, state.clock(request)()
    async with db.auth_tx(pool) as conn:
        locked = await throttle.fail(conn, throttle.ENROLMENT_ADDRESS, address, now)
    tenant_id = await tenancy.code_tenant(pool, code) if code.strip() else None
    if tenant_id is None:
        log.warning("enrolment refused: unknown code", extra={"address": address, "terminal_id": terminal_id,
                                                              "detail": exc.detail, "locked": locked is not None})
    else:
        async with db.tenant_tx(pool, tenant_id) as conn:
            await audit.record(conn, tenant_id=tenant_id, kind="enrolment_refused", actor=terminal_id,
                               address=address, detail=exc.detail[:1].upper() + exc.detail[1:] + ".", at=now)
            if locked is not None:
                await audit.record(conn, tenant_id=tenant_id, kind="enrolment_locked", actor=terminal_id,
                                   address=address, detail="Demasiados enrolamientos rechazados desde esta"
                                   " dirección: bloqueada.", at=now)
    return _locked_out(locked, now) if locked is not None else exc


async def _audit_revoked(request: Request, exc: sync.SyncError, terminal_id: str) -> None:
    """A request that a revoked terminal signed (its signature verified): to its tenant's audit trail."""
    if exc.code != "revoked":
        return
    async with db.auth_tx(request.app.state.pool) as conn:
        principal = await terminals.key(conn, terminal_id)
    if principal is not None:
        await push_mod.audit_refused(request.app.state.pool, principal, exc, state.clock(request)(),
                                     request.client.host if request.client else "",
                                     where=f"{request.method} {request.url.path}")


def _folio_settings(request: Request) -> dict[str, int]:
    settings = state.settings(request)
    return {"folio_lease_size": settings.folio_lease_size, "folio_low_water": settings.folio_low_water}


async def push(request: Request) -> JSONResponse:
    max_bytes, max_events = _limits(request)
    try:
        terminal_id, signature = _signed_headers(request)
        body = await _body(request, max_bytes)
        principal = await push_mod.authenticate(request.app.state.pool, terminal_id, body, signature)
        ack = await push_mod.push(request.app.state.pool, CODEC, principal, body, max_events=max_events,
                                  terminal_clock=_terminal_clock(request), pending=_pending(request),
                                  clock=state.clock(request), **_folio_settings(request),
                                  address=request.client.host if request.client else "")
    except sync.SyncError as exc:
        log.warning("push refused", extra={"terminal_id": request.headers.get("x-terminal", ""), "code": exc.code,
                                           "detail": exc.detail})
        await _audit_revoked(request, exc, request.headers.get("x-terminal", ""))
        return error_response(exc)
    return JSONResponse(ack.to_dict())


async def pull(request: Request) -> JSONResponse:
    try:
        terminal_id, signature = _signed_headers(request)
        query = request.url.query.encode()
        principal = await push_mod.authenticate(request.app.state.pool, terminal_id, b"pull?" + query, signature)
        cursor = int(request.query_params.get("cursor", "0"))
        limit = min(max(int(request.query_params.get("limit", "500")), 1), 2000)
    except ValueError:
        return error_response(sync.SyncError("malformed", "cursor y limit deben ser enteros"))
    except sync.SyncError as exc:
        await _audit_revoked(request, exc, request.headers.get("x-terminal", ""))
        return error_response(exc)
    changes, new_cursor = await change_feed.pull(request.app.state.pool, principal.tenant_id, principal.store_id,
                                                 cursor, limit)
    more = len(changes) == limit
    async with db.tenant_tx(request.app.state.pool, principal.tenant_id) as conn:
        if await folio_hold.asked(conn, principal.tenant_id, principal.terminal_id):
            # not a stored change: asks the till for its folio leases (POST /sync/leases); older tills ignore it
            changes.append({"id": new_cursor, "kind": folio_hold.REPORT_KIND, "key": principal.terminal_id,
                            "data": {"terminal_id": principal.terminal_id}})
    return JSONResponse({"changes": changes, "cursor": new_cursor, "more": more})


async def leases(request: Request) -> JSONResponse:
    """``POST /sync/leases`` ``{"leases": [[tipo, desde, hasta, epoch], ...]}``, signed: every folio lease the
    terminal holds (after a restore of the master, when its pull asked: ``syncserver.dte.folio_hold``). Answers
    ``{"known", "leased", "without_caf", "conflicts"}``."""
    try:
        terminal_id, signature = _signed_headers(request)
        body = await _body(request, 8 << 20)
        principal = await push_mod.authenticate(request.app.state.pool, terminal_id, body, signature)
        try:
            held = folio_hold.parse_report(json.loads(body))
        except (ValueError, folio_hold.ReportError) as exc:
            raise sync.SyncError("malformed", str(exc) if isinstance(exc, folio_hold.ReportError)
                                 else "JSON inválido") from None
        try:
            done = await folio_hold.report(request.app.state.pool, principal.tenant_id, principal.terminal_id,
                                           principal.store_id, held, clock=state.clock(request))
        except folio_hold.ReportError as exc:
            raise sync.SyncError("unauthenticated", str(exc)) from None
    except sync.SyncError as exc:
        await _audit_revoked(request, exc, request.headers.get("x-terminal", ""))
        return error_response(exc)
    return JSONResponse({"known": done.known, "leased": done.leased, "without_caf": done.without_caf,
                         "conflicts": done.conflicts})


async def epoch(request: Request) -> JSONResponse:
    try:
        terminal_id, signature = _signed_headers(request)
        body = await _body(request, 4096)
        principal = await push_mod.authenticate(request.app.state.pool, terminal_id, body, signature)
        new = await epoch_mod.new_epoch(request.app.state.pool, principal.tenant_id, principal.terminal_id,
                                        **_folio_settings(request))
    except sync.SyncError as exc:
        await _audit_revoked(request, exc, request.headers.get("x-terminal", ""))
        return error_response(exc)
    log.warning("new epoch", extra={"tenant_id": principal.tenant_id, "terminal_id": terminal_id, "epoch": new})
    return JSONResponse({"epoch": new})


def routes() -> list[Route]:
    return [Route("/sync/enroll", enroll, methods=["POST"]), Route("/sync/push", push, methods=["POST"]),
            Route("/sync/pull", pull, methods=["GET"]), Route("/sync/epoch", epoch, methods=["POST"]),
            Route("/sync/leases", leases, methods=["POST"])]
