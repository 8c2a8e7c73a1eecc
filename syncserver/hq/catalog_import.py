"""``/hq/catalogo/importar``: upload a CSV or XLSX catalog, choose its columns, preview every row's problems,
import with a progress bar, download the rejected rows; ``/hq/catalogo/exportar.csv`` in the same layout."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shared import catalog_import as rules
from syncserver import catalog_import, state
from syncserver.hq import csrf, params, web
from syncserver.hq.web import HqUser
from syncserver.store import db

log = logging.getLogger(__name__)
SHOWN_PROBLEMS = 300
ABANDONED_AFTER = timedelta(minutes=10)
"""A running import older than this is one whose server stopped (100,000 rows take well under a minute)."""
ENCODINGS = {"utf-8": "UTF-8 (recomendado; «CSV UTF-8» en Excel)", "cp1252": "Windows-1252 (Excel antiguo)"}


@web.login_required
async def upload(request: Request, user: HqUser) -> Response:
    """``GET`` the upload form; ``POST`` (multipart ``archivo``, ``codificacion``) reads the file and opens its
    preview, or shows why it cannot be read."""
    if request.method != "POST":
        return _upload_page(request, user)
    async with request.form(max_files=1, max_fields=5) as form:
        if not csrf.valid(request.session, form.get(csrf.FIELD)):
            return web.csrf_failed(request, user)
        file = form.get("archivo")
        encoding = params.choice_param(form, "codificacion", "Codificación", {e: e for e in ENCODINGS},
                                       default="utf-8")
        if not isinstance(file, UploadFile) or not file.filename:
            return _upload_page(request, user, 422, "Elija el archivo del catálogo (.csv o .xlsx).")
        data = await file.read(catalog_import.MAX_BYTES + 1)
        filename = file.filename[:200]
    try:
        table = catalog_import.read_file(data, filename, encoding)
    except rules.ImportFileError as exc:
        return _upload_page(request, user, 422, str(exc))
    import_id = state.new_id(request)()
    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO catalog_imports (tenant_id, import_id, filename, content, encoding, mapping, total,"
            " created_by, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (user.tenant_id, import_id, filename, data, encoding, json.dumps(rules.default_mapping(table.headers)),
             len(table.rows), user.email, state.clock(request)()))
    return web.redirect(f"/catalogo/importar/{web.url_part(import_id)}")


def _upload_page(request: Request, user: HqUser, status: int = 200, problem: str = "") -> Response:
    return web.render(request, "catalog_upload.html", status=status, user=user, section="catalogo", problem=problem,
                      encodings=ENCODINGS, labels=rules.LABELS, fields=rules.FIELDS)


async def _stored(request: Request, user: HqUser) -> dict[str, Any] | None:
    from psycopg.rows import dict_row

    async with db.tenant_tx(request.app.state.pool, user.tenant_id) as conn:
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute("SELECT import_id, filename, content, encoding, mapping, create_categories, state, total,"
                          " done, result FROM catalog_imports WHERE tenant_id = %s AND import_id = %s",
                          (user.tenant_id, params.id_param(params.path(request.path_params), "import_id",
                                                           "Importación")))
        return await cur.fetchone()


async def _set(pool: db.Pool, tenant_id: int, import_id: str, **values: Any) -> None:
    sets = ", ".join(f"{k} = %({k})s" for k in values)
    async with db.tenant_tx(pool, tenant_id) as conn:
        await conn.execute(f"UPDATE catalog_imports SET {sets} WHERE tenant_id = %(t)s AND import_id = %(i)s",
                           {**values, "t": tenant_id, "i": import_id})


async def _start(pool: db.Pool, tenant_id: int, import_id: str, now: datetime) -> bool:
    """Mark the import running since ``now``; False when it already left the preview (a second click, another
    tab)."""
    async with db.tenant_tx(pool, tenant_id) as conn:
        cur = await conn.execute("UPDATE catalog_imports SET state = 'running', done = 0, result = %s"
                                 " WHERE tenant_id = %s AND import_id = %s AND state = 'preview'",
                                 (json.dumps({"started_at": now.isoformat()}), tenant_id, import_id))
        return cur.rowcount == 1


async def _abandoned(pool: db.Pool, tenant_id: int, stored: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A running import whose server stopped (it started more than :data:`ABANDONED_AFTER` ago) is marked failed:
    its transaction never committed, so nothing of it was written."""
    started = (stored["result"] or {}).get("started_at")
    if stored["state"] != "running" or (started and now - datetime.fromisoformat(started) < ABANDONED_AFTER):
        return stored
    result = {"error": "La importación se interrumpió (el servidor se detuvo mientras importaba). Vuelva a subir"
                       " el archivo."}
    await _set(pool, tenant_id, stored["import_id"], state="failed", result=json.dumps(result))
    return {**stored, "state": "failed", "result": result}


@web.login_required
async def review(request: Request, user: HqUser) -> Response:
    """``GET``: the preview (columns, every row's problems, categories to create), the progress bar while it runs
    (the page refreshes itself), or the result. ``POST`` ``accion=columnas`` saves the column choice;
    ``accion=importar`` starts the import."""
    stored = await _stored(request, user)
    if stored is None:
        return web.not_found(request, user, "La importación")
    pool, import_id = request.app.state.pool, stored["import_id"]
    stored = await _abandoned(pool, user.tenant_id, stored, state.clock(request)())
    table = catalog_import.read_file(bytes(stored["content"]), stored["filename"], stored["encoding"])
    mapping = {k: int(v) for k, v in stored["mapping"].items()}
    if request.method == "POST":
        form = await web.read_form(request)
        if form is None:
            return web.csrf_failed(request, user)
        if stored["state"] != "preview":
            return web.redirect(f"/catalogo/importar/{web.url_part(import_id)}")
        chosen: dict[str, int] = {}
        for name in rules.FIELDS:
            column = params.int_param(form, f"col_{name}", rules.LABELS.get(name, name), low=-1,
                                      high=len(table.headers) - 1, default=-1)
            if column >= 0:
                chosen[name] = column
        create = params.flag_param(form, "crear_categorias", "Crear categorías")
        start = params.choice_param(form, "accion", "Acción", {"importar": True, "columnas": False}, default=False)
        await _set(pool, user.tenant_id, import_id, mapping=json.dumps(chosen), create_categories=create)
        if start:
            checked = await catalog_import.preview(pool, user.tenant_id, table, chosen, create)
            if not checked.mapping_problems and checked.accepted and await _start(pool, user.tenant_id, import_id,
                                                                                  state.clock(request)()):
                task = BackgroundTask(_run, pool, user.tenant_id, import_id, table, chosen, create,
                                      state.clock(request), user.email or user.name)
                response = web.redirect(f"/catalogo/importar/{web.url_part(import_id)}")
                response.background = task
                return response
        return web.redirect(f"/catalogo/importar/{web.url_part(import_id)}")
    context: dict[str, Any] = {"stored": stored, "headers": table.headers, "mapping": mapping, "labels": rules.LABELS,
                               "fields": rules.FIELDS, "required": rules.REQUIRED, "rows": len(table.rows)}
    if stored["state"] == "preview":
        checked = await catalog_import.preview(pool, user.tenant_id, table, mapping, stored["create_categories"])
        rejected = checked.rejected
        context.update(checked=checked, rejected=rejected[:SHOWN_PROBLEMS], rejected_count=len(rejected),
                       accepted_count=len(checked.accepted), sample=checked.accepted[:5])
    return web.render(request, "catalog_import.html", user=user, section="catalogo", **context)


async def _run(pool: db.Pool, tenant_id: int, import_id: str, table: rules.Table, mapping: dict[str, int],
               create: bool, clock: Any, by: str = "") -> None:
    """The import itself (after the response), with its progress and result stored on the import's row."""

    async def progress(done: int, total: int) -> None:
        await _set(pool, tenant_id, import_id, done=done, total=total)

    try:
        outcome = await catalog_import.run(pool, tenant_id, table, mapping, now=clock(), create_categories=create,
                                           progress=progress, by=by)
    except rules.ImportFileError as exc:
        await _set(pool, tenant_id, import_id, state="failed", result=json.dumps({"error": str(exc)}))
        return
    except Exception:
        log.exception("catalog import %s failed", import_id)
        await _set(pool, tenant_id, import_id, state="failed", result=json.dumps(
            {"error": "La importación falló y no se guardó ningún producto. Intente de nuevo; si se repite, avise"
                      " a soporte."}))
        return
    await _set(pool, tenant_id, import_id, state="done", result=json.dumps(
        {"created": outcome.created, "updated": outcome.updated, "categories": outcome.categories,
         "rejected": catalog_import.rejected_as_json(outcome.rejected)}, ensure_ascii=False))


@web.login_required
async def rejects(request: Request, user: HqUser) -> Response:
    """The rejected rows (of the finished import, or as the preview sees them now) as CSV, with their problems."""
    stored = await _stored(request, user)
    if stored is None:
        return web.not_found(request, user, "La importación")
    table = catalog_import.read_file(bytes(stored["content"]), stored["filename"], stored["encoding"])
    if stored["state"] == "done" and stored["result"]:
        rejected = catalog_import.rejected_from_json(stored["result"]["rejected"])
    else:
        mapping = {k: int(v) for k, v in stored["mapping"].items()}
        checked = await catalog_import.preview(request.app.state.pool, user.tenant_id, table, mapping,
                                               stored["create_categories"])
        rejected = checked.rejected
    stem = stored["filename"].rsplit(".", 1)[0] or "catalogo"
    return _csv(catalog_import.rejects_csv(table.headers, rejected), f"{stem}-rechazadas.csv")


@web.login_required
async def export(request: Request, user: HqUser) -> Response:
    """Every product in the import layout (``catalogo.csv``)."""
    return _csv(await catalog_import.export_csv(request.app.state.pool, user.tenant_id), "catalogo.csv")


def _csv(text: str, filename: str) -> Response:
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in filename)
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{safe}"', "Cache-Control": "no-store"})


ROUTES = [
    Route("/catalogo/importar", upload, methods=["GET", "POST"], name="catalog_import"),
    Route("/catalogo/importar/{import_id}", review, methods=["GET", "POST"], name="catalog_import_review"),
    Route("/catalogo/importar/{import_id}/rechazadas.csv", rejects, methods=["GET"], name="catalog_import_rejects"),
    Route("/catalogo/exportar.csv", export, methods=["GET"], name="catalog_export"),
]
