"""Audit lines written from HQ requests (:mod:`syncserver.store.audit`): the address and the clock come from the
request, the tenant and the account from the signed-in user."""

from __future__ import annotations

from starlette.requests import Request

from syncserver import state
from syncserver.store import audit


def address(request: Request) -> str:
    """The client's address as the server sees it ('' when unknown)."""
    return request.client.host if request.client else ""


async def record(request: Request, *, tenant_id: int, kind: str, actor: str, detail: str) -> None:
    """Append a line to ``tenant_id``'s trail in a transaction of its own (kinds: :data:`audit.KINDS`)."""
    await audit.record_tx(request.app.state.pool, tenant_id=tenant_id, kind=kind, actor=actor,
                          address=address(request), detail=detail, at=state.clock(request)())


async def refused(request: Request, *, tenant_id: int, actor: str, status: int, detail: str) -> None:
    """A refused HQ request (``request_refused``): the status, method, path and why."""
    where = f"{request.method} {request.url.path}"
    request.state.refused_audited = True
    await record(request, tenant_id=tenant_id, kind="request_refused", actor=actor,
                 detail=f"{status} {where}: {detail}")


def was_refused(request: Request) -> bool:
    """Whether :func:`refused` already wrote this request to the trail."""
    return bool(getattr(request.state, "refused_audited", False))
