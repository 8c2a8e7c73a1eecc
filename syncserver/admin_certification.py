"""``almacen server admin certificacion``: the SII's test set to signed envelopes, printed samples and the checklist
(``syncserver.dte.certification``), with the tenant's emisor data and certificate from the database."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared import clock as clock_mod
from shared.errors import PosError
from syncserver import settings as settings_mod

if TYPE_CHECKING:
    from psycopg_pool import AsyncConnectionPool

    from shared.dte import caf as caf_mod
    from syncserver.dte import certification

Add = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]
Run = Callable[[argparse.Namespace, Callable[["AsyncConnectionPool"], Awaitable[Any]]], Any]
EXPECTED_IDK = {"certificacion": 100, "standin": 9999}
"""The CAF issuer key a run accepts in each environment (production is refused: certification comes before it)."""


class CertificationCommandError(PosError):
    """The certification command cannot run (the message says why, in Spanish)."""


def register(add: Add, run: Run) -> None:
    """Add ``certificacion`` with ``add(name, func, help)``; it reaches the database with ``run(args, work)``
    (``admin``'s, passed in so this module does not import ``admin``)."""
    p = add("certificacion", cmd_certificacion, "generar los documentos del set de pruebas del SII: sobres firmados,"
                                                " muestras impresas (PDF) y la lista de pasos")
    p.add_argument("tenant_id", type=int, metavar="TENANT")
    p.add_argument("set_file", type=Path, metavar="ARCHIVO_SET", help="el archivo de texto del set que entrega el SII")
    p.add_argument("--caf", type=Path, action="append", required=True, metavar="ARCHIVO_CAF",
                   help="CAF de certificación de cada tipo que pide el set (repetible)")
    p.add_argument("--salida", type=Path, required=True, metavar="CARPETA", help="carpeta donde dejar los archivos")
    p.add_argument("--fecha", metavar="AAAA-MM-DD", help="fecha de emisión (por defecto, hoy en Chile)")
    p.add_argument("--desde", action="append", default=[], metavar="TIPO=FOLIO",
                   help="primer folio a usar de un tipo, p. ej. 33=5 (repetible; por defecto, el primero del CAF)")
    p.add_argument("--receptores", type=Path, metavar="CSV",
                   help="receptores de las facturas: RUT;razón social;giro;dirección;comuna (uno por factura)")
    p.add_argument("--rut-envia", default="", metavar="RUT",
                   help="RUT de quien envía, si el certificado no lo trae")
    p.add_argument("--resolucion-fecha", metavar="AAAA-MM-DD",
                   help="fecha de la resolución de certificación (por defecto, la de los datos del emisor)")
    p.set_defaults(run=run)


def _date(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CertificationCommandError(f"{what}: «{value}» no es una fecha AAAA-MM-DD") from None


def _desde(values: list[str]) -> dict[int, int]:
    out: dict[int, int] = {}
    for value in values:
        tipo, _, folio = value.partition("=")
        if not (tipo.strip().isdigit() and folio.strip().isdigit() and int(folio) > 0):
            raise CertificationCommandError(f"--desde {value}: se espera TIPO=FOLIO, p. ej. 33=5")
        out[int(tipo)] = int(folio)
    return out


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CertificationCommandError(f"no se pudo leer {what} {path}: {exc.strerror}") from None


def _cafs(paths: list[Path], environment: str, keys: dict[int, Any], fecha: date) -> dict[int, caf_mod.Caf]:
    from shared.dte import caf as caf_mod
    from shared.dte import errors as dte_errors

    out: dict[int, caf_mod.Caf] = {}
    for path in paths:
        try:
            caf = caf_mod.load_caf(_read(path, "el CAF"), keys, today=fecha)
        except dte_errors.DteError as exc:
            raise CertificationCommandError(f"el CAF {path.name} no sirve: {exc}") from None
        if caf.idk != EXPECTED_IDK[environment]:
            raise CertificationCommandError(
                f"el CAF {path.name} no es de certificación (IDK {caf.idk}; se espera {EXPECTED_IDK[environment]} en "
                f"el ambiente '{environment}'): pídalo en el sitio de certificación del SII")
        if caf.tipo_dte in out:
            raise CertificationCommandError(f"dos CAF del tipo {caf.tipo_dte}: indique uno por tipo")
        out[caf.tipo_dte] = caf
    return out


def cmd_certificacion(args: argparse.Namespace, clock: clock_mod.Clock = clock_mod.utc_clock) -> int:
    """``certificacion TENANT ARCHIVO_SET --caf … --salida CARPETA``: read the set (errors name the line), check the
    CAFs (certification ones, of the tenant), build and verify every set's envelope with the tenant's emisor data and
    certificate, and write the envelopes, each DTE, the PDF samples and ``LEEME.txt`` into the folder."""
    from shared.dte import errors as dte_errors
    from syncserver.dte import certification, certification_set, certs, emisor, folios
    from syncserver.hq import pdf_reportlab
    from syncserver.store import db

    settings = settings_mod.load(getattr(args, "config", None))
    if settings.sii_environment not in EXPECTED_IDK:
        raise CertificationCommandError(
            f"la certificación se hace en el ambiente de certificación del SII: configure sii_environment = "
            f"'certificacion' (hoy es '{settings.sii_environment}')")
    archivo = certification_set.parse(certification_set.decode(_read(args.set_file, "el set")))
    now = clock().astimezone(folios.CHILE).replace(tzinfo=None, microsecond=0)
    fecha = _date(args.fecha, "--fecha") if args.fecha else now.date()
    timestamp = datetime.combine(fecha, now.time()) if args.fecha else now
    cafs = _cafs(args.caf, settings.sii_environment, folios.trusted_keys(settings.standin_caf_key), fecha)
    receptores = certification.RECEPTORES_PRUEBA
    if args.receptores is not None:
        receptores = certification.receptores_csv(certification_set.decode(_read(args.receptores, "los receptores")))
    desde = _desde(args.desde)

    async def work(pool: AsyncConnectionPool) -> certification.Parametros:
        async with db.tenant_tx(pool, args.tenant_id) as conn:
            config = await emisor.load_emisor(conn, args.tenant_id)
        if config is None:
            raise CertificationCommandError("faltan los datos del emisor: complételos (emisor-set o HQ, página Emisor)")
        fecha_res = _date(args.resolucion_fecha, "--resolucion-fecha") if args.resolucion_fecha else None
        if fecha_res is not None:
            config = emisor.apply(config, {"resolucion_fecha": fecha_res, "resolucion_numero": 0})
        try:
            emisor_doc = config.emisor()
        except dte_errors.DocumentInvalid as exc:
            raise CertificationCommandError(str(exc)) from None
        assert config.resolution is not None  # emisor() refuses without it
        signer = await certs.load_signer(pool, args.tenant_id, settings.secret_key)
        return certification.Parametros(emisor=emisor_doc, signer=signer, cafs=cafs, fecha=fecha, timestamp=timestamp,
                                        resolucion=config.resolution.fecha, desde=desde, receptores=receptores,
                                        rut_envia=args.rut_envia)

    params: certification.Parametros = args.run(args, work)
    resultado = certification.build(archivo, params)
    written = certification.write(resultado, args.salida, backend=pdf_reportlab.ReportlabBackend(), p=params)
    for path in written:
        print(path)
    envios = ", ".join(f"{e.nombre_archivo} ({len(e.documentos)} documentos)" for e in resultado.envios)
    print(f"Listo: {envios}. Siga los pasos de {args.salida / 'LEEME.txt'}", file=sys.stderr)
    return 0
