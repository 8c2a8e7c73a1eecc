"""``almacen server admin ...``: create tenants, stores and HQ logins, issue enrollment codes, list terminals."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import sys
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from shared import clock as clock_mod
from shared.errors import PosError
from syncserver import settings as settings_mod

if TYPE_CHECKING:
    from psycopg_pool import AsyncConnectionPool

T = TypeVar("T")
ENROLLMENT_TTL = timedelta(hours=24)
_DUPLICATES = {"tenants_pkey": "el tenant", "stores_pkey": "la tienda", "warehouses_pkey": "la bodega de esa tienda",
               "hq_users_pkey": "el usuario", "auth_hq_logins_pkey": "el correo",
               "tenants_rut_unique": "una empresa con ese RUT", "auth_hq_logins_active_email": "el correo"}


class AdminError(PosError):
    """An admin command cannot be done (the message says why, in Spanish)."""


def add_parser(subparsers: Any, config_help: str) -> argparse.ArgumentParser:
    """Register ``admin`` and its commands on the ``server`` command's subparsers."""
    admin = subparsers.add_parser("admin", help="administrar tenants, tiendas, usuarios HQ y cajas",
                                  description="Administración: usa la misma base de datos que 'almacen server'.")
    sub = admin.add_subparsers(dest="admin_command", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], int], text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=text, description=text)
        p.add_argument("--config", metavar="FILE", type=Path, default=argparse.SUPPRESS, help=config_help)
        p.set_defaults(func=func)
        return p

    p = add("tenant-add", cmd_tenant_add, "crear un tenant (empresa)")
    p.add_argument("tenant_id", type=int, metavar="ID")
    p.add_argument("name", metavar="NOMBRE")
    p.add_argument("--rut", default="", help="RUT de la empresa, p. ej. 76.123.456-0")
    p = add("tenant-create", cmd_tenant_create, "crear una empresa nueva con la cuenta de su dueño (pide la"
                                                " contraseña); imprime el número de tenant")
    p.add_argument("name", metavar="NOMBRE_EMPRESA")
    p.add_argument("--rut", default="", help="RUT de la empresa, p. ej. 76.123.456-0")
    p.add_argument("--correo", required=True, help="correo del dueño (su usuario en HQ)")
    p.add_argument("--dueno", required=True, metavar="NOMBRE", help="nombre del dueño")
    p.add_argument("--id", type=int, dest="tenant_id", help="número de tenant (por defecto, el siguiente libre)")
    p.add_argument("--password-file", type=Path, metavar="FILE", help="leer la contraseña de este archivo")
    p = add("store-add", cmd_store_add, "crear una tienda (con su sala de ventas) con sus datos de sucursal del SII")
    p.add_argument("tenant_id", type=int, metavar="TENANT")
    p.add_argument("store_id", metavar="STORE_ID")
    p.add_argument("name", metavar="NOMBRE")
    p.add_argument("--direccion", default="", help="dirección de la sucursal, como en el SII")
    p.add_argument("--comuna", default="")
    p.add_argument("--ciudad", default="")
    p.add_argument("--sucursal-sii", default="", help="código de sucursal entregado por el SII")
    p.add_argument("--bodega", action="store_true", help="crear también una bodega")
    p = add("hq-user-add", cmd_hq_user_add, "crear un usuario de HQ (pide la contraseña)")
    p.add_argument("tenant_id", type=int, metavar="TENANT")
    p.add_argument("email", metavar="EMAIL")
    p.add_argument("name", metavar="NOMBRE")
    p.add_argument("--password-file", type=Path, metavar="FILE", help="leer la contraseña de este archivo")
    p = add("enroll-code", cmd_enroll_code, "emitir un código de enrolamiento para una caja nueva (lo imprime)")
    p.add_argument("tenant_id", type=int, metavar="TENANT")
    p.add_argument("store_id", metavar="STORE")
    p.add_argument("terminal_name", metavar="NOMBRE_CAJA")
    p = add("terminals", cmd_terminals, "listar las cajas de un tenant (JSON)")
    p.add_argument("tenant_id", type=int, metavar="TENANT")
    p = add("caf-import", cmd_caf_import, "importar un CAF del SII (verifica su firma, RUT y vigencia)")
    p.add_argument("tenant_id", type=int, metavar="TENANT")
    p.add_argument("file", type=Path, metavar="ARCHIVO_CAF")
    # the issue's and the accountant's name for it: almacen server caf import TENANT FILE (same as admin caf-import)
    caf = subparsers.add_parser("caf", help="CAF del SII: importar y listar (lo mismo que admin caf-import/folios)",
                                description="Archivos de folios autorizados (CAF) del SII.")
    caf_sub = caf.add_subparsers(dest="caf_command", required=True)
    for name, func, text in (("import", cmd_caf_import, "importar un CAF del SII (verifica su firma, RUT y vigencia)"),
                             ("list", cmd_folios, "listar los CAF y los folios asignados a cada caja (JSON)")):
        q: argparse.ArgumentParser = caf_sub.add_parser(name, help=text, description=text)
        q.add_argument("--config", metavar="FILE", type=Path, default=argparse.SUPPRESS, help=config_help)
        q.add_argument("tenant_id", type=int, metavar="TENANT")
        if name == "import":
            q.add_argument("file", type=Path, metavar="ARCHIVO_CAF")
        q.set_defaults(func=func)
    p = add("cert-upload", cmd_cert_upload, "guardar el certificado digital (.pfx) de la empresa, cifrado")
    p.add_argument("tenant_id", type=int, metavar="TENANT")
    p.add_argument("file", type=Path, metavar="ARCHIVO_PFX")
    p.add_argument("--password-file", type=Path, metavar="FILE", help="leer la contraseña del .pfx de este archivo")
    p = add("dte-send", cmd_dte_send, "firmar, empaquetar y enviar al SII los documentos pendientes, y el RVD si"
                                      " rvd_enabled está activo (una pasada)")
    p.add_argument("tenant_id", type=int, metavar="TENANT")
    p.add_argument("--sii-url", metavar="URL", help="URL del simulador del SII (ambiente 'standin'); sin ella se usan"
                   " sii_environment y sii_url de la configuración")
    p.add_argument("--resolucion-fecha", metavar="AAAA-MM-DD",
                   help="fecha de la resolución del SII (por defecto, la de los datos del emisor)")
    p.add_argument("--resolucion-numero", type=int, default=0, metavar="N", help="número (0 en certificación)")
    p = add("emisor-set", cmd_emisor_set, "guardar los datos del emisor (solo los campos indicados) y mostrarlos")
    p.add_argument("tenant_id", type=int, metavar="TENANT")
    for option, text in (("--razon-social", "razón social, como en el SII"), ("--giro", "giro del emisor"),
                         ("--acteco", "códigos de actividad económica, de 1 a 4, separados por coma"),
                         ("--direccion", "dirección de origen"), ("--comuna", "comuna de origen"),
                         ("--ciudad", "ciudad de origen (opcional)"),
                         ("--sucursal-sii", "código de sucursal entregado por el SII (vacío: ninguno)"),
                         ("--resolucion-fecha", "fecha de la resolución del SII (AAAA-MM-DD)"),
                         ("--resolucion-numero", "número de la resolución (0 en certificación)"),
                         ("--unidad-sii", "unidad del SII de la dirección, impresa bajo el recuadro de los PDF")):
        p.add_argument(option, metavar="VALOR", help=text)
    p = add("folios", cmd_folios, "listar los CAF de un tenant y los folios asignados a cada caja (JSON)")
    p.add_argument("tenant_id", type=int, metavar="TENANT")
    p = add("folios-liberar", cmd_folios_release, "después de restaurar: entregar folios sin esperar a las cajas"
                                                   " que no han informado los suyos (riesgo de folios repetidos)")
    p.add_argument("tenant_id", type=int, metavar="TENANT")
    p.add_argument("--confirmar", action="store_true", help="liberar de verdad (sin esto, solo advierte)")
    p = add("catalog-import", cmd_catalog_import, "importar productos de un CSV o XLSX (las filas con problemas se"
                                                  " informan y no se importan; las demás, todas juntas)")
    p.add_argument("tenant_id", type=int, metavar="TENANT")
    p.add_argument("file", type=Path, metavar="ARCHIVO")
    p.add_argument("--codificacion", default="utf-8", help="codificación del CSV (utf-8 o cp1252)")
    p.add_argument("--rechazadas", type=Path, metavar="FILE", help="escribir aquí las filas con problemas (CSV)")
    p.add_argument("--revisar", action="store_true", help="solo revisar: mostrar los problemas sin importar")
    p = add("catalog-export", cmd_catalog_export, "exportar el catálogo en el formato de importación (CSV)")
    p.add_argument("tenant_id", type=int, metavar="TENANT")
    p.add_argument("file", type=Path, metavar="ARCHIVO", nargs="?", help="por defecto, la salida estándar")
    from syncserver import admin_pos_users

    admin_pos_users.register(add, _run)
    from syncserver import admin_certification

    admin_certification.register(add, _run)  # almacen server admin certificacion: the SII's test set
    p = add("backup", cmd_backup, "respaldar la base de datos maestra (pg_dump: eventos, documentos, cola DTE y "
                                  "certificados cifrados) en un archivo, verificado")
    p.add_argument("file", type=Path, metavar="ARCHIVO")
    p = add("restore", cmd_restore, "restaurar un respaldo de la base maestra (con el servidor detenido)")
    p.add_argument("file", type=Path, metavar="ARCHIVO")
    p.add_argument("--reemplazar", action="store_true",
                   help="si la base tiene datos, guardarla como <nombre>_antes_<fecha> y restaurar en su lugar")
    p = add("rebuild-projections", cmd_rebuild, "reconstruir ventas, stock y turnos de un tenant desde sus eventos")
    p.add_argument("tenant_id", type=int, metavar="TENANT")
    return admin  # type: ignore[no-any-return]


@contextlib.contextmanager
def _app_url(args: argparse.Namespace) -> Iterator[str]:
    """The application role's URL, as ``almacen server`` gets it: the embedded PostgreSQL when no URL is set
    (started if needed, stopped after if this command started it), migrated with the admin URL when there is one."""
    from syncserver import bootstrap

    with bootstrap.database(_settings(args)) as settings:
        assert settings.database_url is not None
        yield settings.database_url


def _settings(args: argparse.Namespace) -> settings_mod.ServerSettings:
    """The server's settings, from ``--config`` when the command was given one."""
    return settings_mod.load(getattr(args, "config", None))


def _run(args: argparse.Namespace, work: Callable[[AsyncConnectionPool], Awaitable[T]]) -> T:
    """Run ``work(pool)`` with a small pool of the application role (row-level security applies)."""
    import psycopg
    import psycopg_pool

    async def main(url: str) -> T:
        async with psycopg_pool.AsyncConnectionPool(url, min_size=1, max_size=3, open=False) as pool:
            return await work(pool)

    with _app_url(args) as url:
        try:
            return asyncio.run(main(url))
        except psycopg.errors.UniqueViolation as exc:
            what = _DUPLICATES.get(exc.diag.constraint_name or "", "ese registro")
            raise AdminError(f"{what} ya existe") from None


async def _tenant_exists(pool: AsyncConnectionPool, tenant_id: int) -> None:
    from syncserver.store import db

    async with db.tenant_tx(pool, tenant_id) as conn:
        if await (await conn.execute("SELECT 1 FROM tenants WHERE tenant_id = %s", (tenant_id,))).fetchone() is None:
            raise AdminError(f"el tenant {tenant_id} no existe: créelo con 'almacen server admin tenant-add'")


def cmd_tenant_add(args: argparse.Namespace) -> int:
    """``tenant-add ID NOMBRE [--rut]``."""
    from shared import rut
    from syncserver import tenancy

    value = rut.format(args.rut) if args.rut else ""
    _run(args, lambda pool: tenancy.create_tenant(pool, args.tenant_id, args.name, value))
    print(f"Tenant {args.tenant_id} creado: {args.name}", file=sys.stderr)
    return 0


def cmd_tenant_create(args: argparse.Namespace) -> int:
    """``tenant-create NOMBRE --correo E --dueno N [--rut R] [--id N] [--password-file F]``: the business and its
    owner's HQ account, as HQ's first-run page creates them; prints the tenant id."""

    from syncserver import accounts
    from syncserver.hq import auth

    password = _password(args)

    async def work(pool: AsyncConnectionPool) -> accounts.Business:
        try:
            return await accounts.create_business(
                pool, name=args.name, rut=args.rut, owner_email=args.correo, owner_name=args.dueno,
                password=password, hasher=auth.DEFAULT_HASHER, at=clock_mod.utc_clock(), tenant_id=args.tenant_id)
        except accounts.AccountError as exc:
            raise AdminError(exc.detail) from None

    business = _run(args, work)
    print(business.tenant_id)
    print(f"Empresa creada (tenant {business.tenant_id}); su dueño entra a HQ con {business.owner_email}",
          file=sys.stderr)
    return 0


def cmd_store_add(args: argparse.Namespace) -> int:
    """``store-add TENANT STORE_ID NOMBRE [--direccion --comuna --ciudad --sucursal-sii --bodega]``."""
    from syncserver import tenancy

    async def work(pool: AsyncConnectionPool) -> None:
        await _tenant_exists(pool, args.tenant_id)
        try:
            await tenancy.create_store(pool, args.tenant_id, args.store_id, args.name, address=args.direccion,
                                       comuna=args.comuna, ciudad=args.ciudad, sucursal_sii=args.sucursal_sii,
                                       bodega=args.bodega)
        except tenancy.StoreError as exc:
            raise AdminError(exc.detail) from None

    _run(args, work)
    print(f"Tienda {args.store_id} creada en el tenant {args.tenant_id}: {args.name}", file=sys.stderr)
    return 0


def _password(args: argparse.Namespace) -> str:
    if args.password_file is not None:
        try:
            return str(args.password_file.read_text("utf-8")).rstrip("\r\n")
        except OSError as exc:
            raise AdminError(f"no se pudo leer {args.password_file}: {exc.strerror}") from None
    first = getpass.getpass("Contraseña: ")
    if getpass.getpass("Repita la contraseña: ") != first:
        raise AdminError("las contraseñas no coinciden")
    return first


def cmd_hq_user_add(args: argparse.Namespace) -> int:
    """``hq-user-add TENANT EMAIL NOMBRE [--password-file F]`` (otherwise asks twice with getpass)."""
    from syncserver.hq import auth

    password = _password(args)
    async def work(pool: AsyncConnectionPool) -> None:
        await _tenant_exists(pool, args.tenant_id)
        await auth.create_login(pool, args.tenant_id, args.email, args.name, password)

    _run(args, work)
    print(f"Usuario HQ {auth.normalise_email(args.email)} creado en el tenant {args.tenant_id}", file=sys.stderr)
    return 0


def cmd_enroll_code(args: argparse.Namespace) -> int:
    """``enroll-code TENANT STORE NOMBRE_CAJA``: prints the one-time code (valid 24 hours)."""
    from syncserver import tenancy

    code = _run(args, lambda pool: tenancy.issue_enrollment_code(pool, args.tenant_id, args.store_id,
                                                                 args.terminal_name, ttl=ENROLLMENT_TTL))
    print(code)
    print("Válido por 24 horas y una sola vez: almacen pos enroll <URL del servidor> CÓDIGO", file=sys.stderr)
    return 0


def cmd_terminals(args: argparse.Namespace) -> int:
    """``terminals TENANT``: the tenant's terminals as a JSON list."""
    from syncserver.store import db

    async def work(pool: AsyncConnectionPool) -> list[dict[str, Any]]:
        async with db.tenant_tx(pool, args.tenant_id) as conn:
            cur = await conn.execute(
                "SELECT terminal_id, store_id, name, status, enrolled_at, revoked_at, last_sync_at, last_seen_seq,"
                " pending_reported, clock_skew_ms, current_epoch FROM terminals WHERE tenant_id = %s"
                " ORDER BY store_id, name, terminal_id", (args.tenant_id,))
            names = [c.name for c in cur.description or ()]
            return [dict(zip(names, row, strict=True)) for row in await cur.fetchall()]

    rows = _run(args, work)
    print(json.dumps(rows, ensure_ascii=False, indent=2, default=lambda v: v.isoformat()))
    return 0


def _folio_settings(args: argparse.Namespace) -> dict[str, Any]:
    from syncserver.dte import folios

    settings = _settings(args)
    return {"lease_size": settings.folio_lease_size, "low_water": settings.folio_low_water,
            "keys": folios.trusted_keys(settings.standin_caf_key)}


def cmd_caf_import(args: argparse.Namespace) -> int:
    """``caf-import TENANT ARCHIVO``: verify the CAF (SII signature for its IDK, RUT, expiry, not already imported)
    and store it; terminals short of folios of its type get their leases at once."""
    from syncserver.dte import folios

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise AdminError(f"no se pudo leer {args.file}: {exc.strerror}") from None
    sizes = _folio_settings(args)
    done = _run(args, lambda pool: folios.import_caf(pool, args.tenant_id, data, **sizes))
    print(f"CAF importado: tipo {done.tipo}, folios {done.desde}–{done.hasta}, RUT {done.rut}, IDK {done.idk}"
          f" ({done.leases} asignaciones a cajas)", file=sys.stderr)
    return 0


def cmd_emisor_set(args: argparse.Namespace) -> int:
    """``emisor-set TENANT [--razon-social …] [--giro …] [--acteco …] …``: update the given fields of the emisor
    data, print it as JSON, and say on stderr what is still missing to sign documents."""
    from syncserver.dte import emisor

    changes = {name: getattr(args, name) for name in emisor.FIELDS if getattr(args, name, None) is not None}
    if not changes:
        raise AdminError("indique al menos un dato: --razon-social, --giro, --acteco, --direccion, --comuna, --ciudad,"
                         " --sucursal-sii, --resolucion-fecha, --resolucion-numero, --unidad-sii")

    async def work(pool: AsyncConnectionPool) -> emisor.EmisorConfig:
        try:
            return await emisor.store(pool, args.tenant_id, changes, by="admin")
        except emisor.EmisorError as exc:
            raise AdminError(str(exc)) from None

    config = _run(args, work)
    resolution = config.resolution
    print(json.dumps({"rut": config.rut, "razon_social": config.razon_social, "giro": config.giro,
                      "acteco": list(config.acteco), "direccion": config.direccion, "comuna": config.comuna,
                      "ciudad": config.ciudad, "sucursal_sii": config.sucursal_sii,
                      "resolucion_fecha": None if resolution is None else resolution.fecha.isoformat(),
                      "resolucion_numero": None if resolution is None else resolution.numero,
                      "unidad_sii": config.unidad_sii},
                     ensure_ascii=False, indent=2))
    missing = config.missing()
    print("Datos del emisor guardados" + (f"; faltan: {', '.join(missing)}" if missing else " (completos)"),
          file=sys.stderr)
    return 0


def cmd_folios(args: argparse.Namespace) -> int:
    """``folios TENANT``: the tenant's CAFs and leases as JSON."""
    from syncserver.dte import folios

    result = _run(args, lambda pool: folios.overview(pool, args.tenant_id))
    print(json.dumps(result, ensure_ascii=False, indent=2, default=lambda v: v.isoformat()))
    return 0


def cmd_cert_upload(args: argparse.Namespace) -> int:
    """``cert-upload TENANT ARCHIVO.pfx [--password-file F]``: check the certificate opens and is in force, then
    store it encrypted with a key derived from the server secret (otherwise asks for the password)."""
    from syncserver.dte import certs

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise AdminError(f"no se pudo leer {args.file}: {exc.strerror}") from None
    if args.password_file is not None:
        password = _password(args)
    else:
        password = getpass.getpass("Contraseña del certificado: ")
    secret = _settings(args).secret_key
    stored = _run(args, lambda pool: certs.store(pool, args.tenant_id, data, password, secret))
    print(f"Certificado guardado (cifrado): {stored.subject}, vence el {stored.not_after:%d-%m-%Y}", file=sys.stderr)
    return 0


def cmd_dte_send(args: argparse.Namespace) -> int:
    """``dte-send TENANT [--sii-url URL] [--resolucion-fecha F [--resolucion-numero N]]``: one pass of the pipeline
    (sign, pack, upload, status; the due RVDs too when the setting ``rvd_enabled`` is on) against the configured SII
    environment (or the stand-in at ``--sii-url``), printed as JSON counts. The resolution defaults to the tenant's
    emisor data."""
    from datetime import date

    from syncserver.sii import forwarder, scheduler, worker, ws

    resolution = None
    if args.resolucion_fecha is not None:
        try:
            resolution = forwarder.Resolution(date.fromisoformat(args.resolucion_fecha), args.resolucion_numero)
        except ValueError:
            raise AdminError(f"fecha de resolución inválida: {args.resolucion_fecha}") from None
    settings = _settings(args)
    environment, url = ("standin", args.sii_url) if args.sii_url else (settings.sii_environment, settings.sii_url)

    async def work(pool: AsyncConnectionPool) -> dict[str, int]:
        sii = ws.client_for(environment, url)
        try:
            chosen = resolution or await scheduler.emisor_resolution(pool, args.tenant_id)
            if chosen is None:
                raise AdminError("falta la resolución del SII: complete los datos del emisor (emisor-set) o indique"
                                 " --resolucion-fecha")
            async with scheduler.tenant_lock(pool, args.tenant_id) as got:
                if not got:
                    raise AdminError("el servidor está enviando ahora los documentos de este tenant al SII: espere a"
                                     " que termine su pasada e intente de nuevo")
                return (await worker.run_once(pool, args.tenant_id, settings.secret_key, sii, chosen,
                                              build_rvd=settings.rvd_enabled)).to_dict()
        finally:
            await sii.http.aclose()

    print(json.dumps(_run(args, work)))
    return 0


def cmd_catalog_import(args: argparse.Namespace) -> int:
    """``catalog-import TENANT ARCHIVO [--codificacion] [--rechazadas FILE] [--revisar]``: 0 when every row was
    imported, 1 when some were rejected (the rest imported unless ``--revisar``), 2 when nothing was."""

    from shared.catalog_import import ImportFileError
    from syncserver import catalog_import

    try:
        table = catalog_import.read_file(args.file.read_bytes(), args.file.name, args.codificacion)
    except (ImportFileError, OSError) as exc:
        raise AdminError(str(exc)) from None

    async def work(pool: AsyncConnectionPool) -> tuple[list[catalog_import.RowResult], str]:
        await _tenant_exists(pool, args.tenant_id)
        checked = await catalog_import.preview(pool, args.tenant_id, table)
        if checked.mapping_problems:
            raise AdminError(" ".join(checked.mapping_problems))
        if args.revisar:
            return checked.rejected, f"{len(checked.accepted)} filas se pueden importar"
        try:
            done = await catalog_import.run(pool, args.tenant_id, table, None, now=clock_mod.utc_clock())
        except ImportFileError as exc:
            raise AdminError(str(exc)) from None
        return done.rejected, f"{done.created} productos nuevos, {done.updated} actualizados"

    rejected, summary = _run(args, work)
    for result in rejected:
        for problem in result.problems:
            print(problem, file=sys.stderr)
    if rejected and args.rechazadas:
        args.rechazadas.write_text(catalog_import.rejects_csv(table.headers, rejected), "utf-8")
    print(f"{summary}; {len(rejected)} filas con problemas", file=sys.stderr)
    return 0 if not rejected else (1 if len(rejected) < len(table.rows) else 2)


def cmd_catalog_export(args: argparse.Namespace) -> int:
    """``catalog-export TENANT [ARCHIVO]``."""
    from syncserver import catalog_import

    text = _run(args, lambda pool: catalog_import.export_csv(pool, args.tenant_id))
    if args.file:
        args.file.write_text(text, "utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    """Refold a tenant's master read models from its stored events; prints how many events were folded."""
    from shared.events import registry
    from syncserver.ingest import rebuild

    async def work(pool: AsyncConnectionPool) -> int:
        return await rebuild.rebuild(pool, registry.build_codec(), args.tenant_id)

    print(json.dumps({"tenant_id": args.tenant_id, "events_folded": _run(args, work)}))
    return 0


@contextlib.contextmanager
def _admin_url(args: argparse.Namespace) -> Iterator[str]:
    """A URL of a role that owns the master database: the embedded cluster's superuser (started if needed, stopped
    after if this command started it), or ``ALMACEN_ADMIN_DATABASE_URL`` with an external database."""
    import os

    from syncserver import bootstrap

    settings = _settings(args)
    if settings.database_url is not None:
        url = os.environ.get(bootstrap.ADMIN_URL_VARIABLE, "")
        if not url:
            raise AdminError(f"Defina {bootstrap.ADMIN_URL_VARIABLE} (un rol dueño de la base de datos) para "
                             "respaldar o restaurar una base externa.")
        yield url
        return
    cluster = bootstrap.embedded_cluster(settings)
    cluster.start()
    try:
        yield cluster.dsn(bootstrap.DATABASE_NAME)
    finally:
        if cluster.started:
            cluster.stop()


def cmd_backup(args: argparse.Namespace) -> int:
    """pg_dump of the master into ARCHIVO, read back; prints its size, SHA-256 and tables."""
    from syncserver import backups

    with _admin_url(args) as url:
        info = backups.backup(url, args.file)
    print(json.dumps({"file": info.file, "bytes": info.size, "sha256": info.sha256, "tables": len(info.tables)}))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore ARCHIVO into the master database; prints the events and tenants it holds."""
    from datetime import UTC, datetime

    from syncserver import backups

    with _admin_url(args) as url:
        info = backups.restore(url, args.file, datetime.now(UTC), replace=args.reemplazar)
    print(json.dumps({"database": info.database, "sha256": info.sha256, "events": info.events,
                      "tenants": info.tenants, "previous": info.previous, "terminals_asked": info.held}))
    print("Restaurado. Las cajas reenvían solas lo que el respaldo no tenía. No se entregan folios nuevos hasta "
          f"que las {info.held} cajas activas informen los folios que tienen (lo hacen solas al conectarse; siguen "
          "vendiendo con los suyos): la página Folios de HQ dice cuáles faltan. Lo hecho en HQ después del respaldo "
          "(usuarios, catálogo, CAF, documentos de HQ) no vuelve: revíselo y vuelva a cargar los CAF importados "
          "después del respaldo (docs/backups.md).", file=sys.stderr)
    return 0


def cmd_folios_release(args: argparse.Namespace) -> int:
    """``folios-liberar TENANT --confirmar``: end the hold on folio leases after a restore without waiting for the
    terminals still to report; without ``--confirmar``, say which they are and what it risks (exit 2)."""
    from syncserver.dte import folio_hold
    from syncserver.store import db
    from syncserver.store import folios as folio_store

    async def missing(pool: AsyncConnectionPool) -> list[dict[str, Any]]:
        await _tenant_exists(pool, args.tenant_id)
        async with db.tenant_tx(pool, args.tenant_id) as conn:
            return [r for r in await folio_store.hold_rows(conn, args.tenant_id)
                    if r["reported_at"] is None and r["released_at"] is None]

    waiting = _run(args, missing)
    if not waiting:
        print("No hay folios retenidos en este tenant: todas las cajas informaron (o no hubo restauración).")
        return 0
    names = ", ".join(f"{r['terminal_name'] or r['terminal_id']} ({r['store_id']})" for r in waiting)
    warning = (f"Faltan por informar sus folios: {names}. Si alguna de ellas recibió folios después del respaldo "
               "restaurado, liberar ahora puede entregar esos mismos folios a otra caja: dos documentos con el mismo "
               "folio, que el SII rechaza. Libere solo si esas cajas no volverán a conectarse (o no recibieron "
               "folios después del respaldo).")
    if not args.confirmar:
        print(warning + " Para liberar, repita con --confirmar.", file=sys.stderr)
        return 2
    released = _run(args, lambda pool: folio_hold.release(pool, args.tenant_id))
    print(f"Liberado: {released} cajas dejaron de retener los folios. {warning}", file=sys.stderr)
    return 0
