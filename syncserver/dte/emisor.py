"""The tenant's emisor data: what the DTE's ``Emisor`` and the envelopes' ``Caratula`` need beyond the tenant's RUT.

Razón social (RznSoc, up to 100 characters), giro (GiroEmis, 80), one to four Acteco codes (códigos de actividad
económica, up to 6 digits), dirección (DirOrigen, 70), comuna (CmnaOrigen, 20), ciudad (CiudadOrigen, 20,
optional), the SII's branch code (CdgSIISucur, optional) and the SII resolution that authorises the emisor (fecha
and número, 0 in certificación) — limits from DTE_v10.xsd / SiiTypes_v10.xsd. Edited in HQ (``/hq/emisor``) and by
``almacen server admin emisor-set``.

Every save publishes the data on the change feed (kind ``emisor``, tenant-wide: :func:`feed_data`), so the tills
print the header and the resolution legend the XML carries.

Documents are not signed while something is missing: they wait in ``issued`` with ``last_error`` "faltan los datos
del emisor: …" and are retried at once when the data is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Final

from shared import errors as pos_errors
from shared import rut as rut_mod
from shared import sucursal
from shared.dte import documents
from shared.dte import errors as dte_errors
from shared.dte.xmlcore import clean_text
from syncserver.store import change_feed, db, tenants
from syncserver.store import emisor as emisor_store

MISSING_PREFIX: Final = "faltan los datos del emisor"
LIMITS: Final = {"razon_social": 100, "giro": 80, "direccion": 70, "comuna": 20, "ciudad": 20, "unidad_sii": 40}
LABELS: Final = {"rut": "RUT", "razon_social": "razón social", "giro": "giro", "acteco": "Acteco",
                 "direccion": "dirección", "comuna": "comuna", "resolucion": "fecha de resolución del SII"}
MAX_ACTECO: Final = 4


class EmisorError(pos_errors.PosError):
    """Emisor data that cannot be stored; the message says which field and why, in Spanish."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """The emisor's SII resolution for the Caratula of EnvioDTE / EnvioBOLETA / ConsumoFolios (``numero`` 0 in
    certificación)."""

    fecha: date
    numero: int = 0


@dataclass(frozen=True, slots=True)
class EmisorConfig:
    """A tenant's emisor data as stored; ``rut`` is the tenant's RUT (compact ``76235291-5``, or ``""``)."""

    rut: str
    razon_social: str = ""
    giro: str = ""
    acteco: tuple[int, ...] = ()
    direccion: str = ""
    comuna: str = ""
    ciudad: str = ""
    sucursal_sii: int | None = None
    resolution: Resolution | None = None
    unidad_sii: str = ""
    """The SII unit of the emisor's address, printed under a PDF's recuadro ("SANTIAGO ORIENTE"); optional."""

    def missing(self) -> list[str]:
        """The names (Spanish) of what is still missing to sign and send documents; empty when complete."""
        absent = [key for key in ("rut", "razon_social", "giro", "acteco", "direccion", "comuna")
                  if not getattr(self, key)]
        if self.resolution is None:
            absent.append("resolucion")
        return [LABELS[k] for k in absent]

    @property
    def complete(self) -> bool:
        return not self.missing()

    def emisor(self) -> documents.Emisor:
        """The document model's ``Emisor``.

        Raises:
            DocumentInvalid: data missing (the message lists it, see :func:`missing_message`).
        """
        problem = missing_message(self)
        if problem:
            raise dte_errors.DocumentInvalid(problem)
        return documents.Emisor(rut=self.rut, razon_social=self.razon_social, giro=self.giro,
                                direccion=self.direccion, comuna=self.comuna, acteco=self.acteco,
                                ciudad=self.ciudad, sucursal_sii=self.sucursal_sii)


def for_store(emisor: documents.Emisor, store: tenants.StoreRow | None) -> documents.Emisor:
    """The emisor of a document issued by ``store``: DirOrigen, CmnaOrigen, CiudadOrigen and CdgSIISucur by
    :func:`shared.sucursal.origin` (the store's when HQ recorded them, else the emisor's, the casa matriz) — the same
    rule the till's printed header follows over the feed's ``store`` change."""
    if store is None:
        return emisor
    place = sucursal.origin(
        sucursal.Origin(emisor.direccion, emisor.comuna, emisor.ciudad, emisor.sucursal_sii),
        sucursal.Origin(store.address, store.comuna, store.ciudad, store.sucursal_sii))
    return replace(emisor, direccion=place.direccion, comuna=place.comuna, ciudad=place.ciudad,
                   sucursal_sii=place.sucursal_sii)


def missing_message(config: EmisorConfig | None) -> str | None:
    """``"faltan los datos del emisor: giro, comuna"``; None when ``config`` is complete."""
    absent = EmisorConfig(rut="no se mira").missing() if config is None else config.missing()
    if not absent:
        return None
    return f"{MISSING_PREFIX}: {', '.join(absent)} (complételos en HQ, página Emisor)"


def _compact_rut(value: str) -> str:
    if not value:
        return ""
    try:
        return rut_mod.parse(value).compact
    except pos_errors.InvalidRut:
        return ""


async def load_emisor(conn: db.Conn, tenant_id: int) -> EmisorConfig | None:
    """The tenant's emisor data, read inside the caller's tenant transaction; None when never entered.

    The result may be incomplete: check :meth:`EmisorConfig.missing` (the forwarder needs ``resolution``).
    """
    row = await emisor_store.load(conn, tenant_id)
    if row is None:
        return None
    fecha, numero = row.resolucion_fecha, row.resolucion_numero
    return EmisorConfig(rut=_compact_rut(row.rut or ""), razon_social=row.razon_social, giro=row.giro,
                        acteco=tuple(int(a) for a in row.acteco or ()), direccion=row.direccion, comuna=row.comuna,
                        ciudad=row.ciudad, sucursal_sii=None if row.sucursal_sii is None else int(row.sucursal_sii),
                        resolution=None if fecha is None else Resolution(fecha, int(numero or 0)),
                        unidad_sii=row.unidad_sii or "")


async def tenant_rut(conn: db.Conn, tenant_id: int) -> str:
    """The tenant's RUT, compact (``76123456-7``); '' when unknown or invalid."""
    return _compact_rut(await tenants.rut(conn, tenant_id) or "")


# -- parsing what a person typed (HQ form, CLI) ---------------------------------------------------------------------


def _text(name: str, value: object) -> str:
    text = clean_text(" ".join(str(value).split()))
    if len(text) > LIMITS[name]:
        raise EmisorError(f"{LABELS.get(name, name)}: máximo {LIMITS[name]} caracteres (tiene {len(text)})")
    return text


def parse_acteco(value: object) -> tuple[int, ...]:
    """``"471100, 561000"`` (commas, spaces or semicolons) → ``(471100, 561000)``.

    Raises:
        EmisorError: not numbers, more than 4, or a code outside 1–999999.
    """
    if isinstance(value, (list, tuple)):
        parts = [str(v) for v in value]
    else:
        parts = str(value).replace(",", " ").replace(";", " ").split()
    codes: list[int] = []
    for part in parts:
        if not (part.isascii() and part.isdigit()) or not 0 < int(part) <= 999_999:
            raise EmisorError(f"Acteco: {part!r} no es un código de actividad económica del SII (1 a 6 dígitos)")
        if int(part) not in codes:
            codes.append(int(part))
    if len(codes) > MAX_ACTECO:
        raise EmisorError(f"Acteco: como máximo {MAX_ACTECO} códigos (el SII no acepta más en un DTE)")
    return tuple(codes)


def _sucursal(value: object) -> int | None:
    text = str(value).strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 10**9:
        raise EmisorError(f"código de sucursal SII: {text!r} no es un número de hasta 9 dígitos")
    return int(text)


def _fecha(value: object) -> date | None:
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d-%m-%Y").date()):
        try:
            return parse(text)
        except ValueError:
            continue
    raise EmisorError(f"fecha de resolución: {text!r} no es una fecha (AAAA-MM-DD o DD-MM-AAAA)")


def _numero(value: object) -> int:
    text = str(value).strip() or "0"
    if not (text.isascii() and text.isdigit()) or int(text) >= 10**6:
        raise EmisorError(f"número de resolución: {text!r} no es un número de hasta 6 dígitos (0 en certificación)")
    return int(text)


FIELDS: Final = ("razon_social", "giro", "acteco", "direccion", "comuna", "ciudad", "sucursal_sii",
                 "resolucion_fecha", "resolucion_numero", "unidad_sii")


def apply(current: EmisorConfig, changes: Mapping[str, object]) -> EmisorConfig:
    """``current`` with ``changes`` (keys of :data:`FIELDS`, values as typed) parsed and applied.

    Raises:
        EmisorError: an unknown key or a value that is not valid (the message says which).
    """
    config = current
    fecha = None if current.resolution is None else current.resolution.fecha
    numero = 0 if current.resolution is None else current.resolution.numero
    for key, value in changes.items():
        if key in LIMITS:
            text: dict[str, Any] = {key: _text(key, value)}
            config = replace(config, **text)
        elif key == "acteco":
            config = replace(config, acteco=parse_acteco(value))
        elif key == "sucursal_sii":
            config = replace(config, sucursal_sii=_sucursal(value))
        elif key == "resolucion_fecha":
            fecha = _fecha(value)
        elif key == "resolucion_numero":
            numero = _numero(value)
        else:
            raise EmisorError(f"campo desconocido: {key}")
    return replace(config, resolution=None if fecha is None else Resolution(fecha, numero))


def feed_data(config: EmisorConfig) -> dict[str, Any]:
    """What the tills apply (``shared.events.settings.EmisorReceived``'s fields): the data the XML's Emisor and
    Carátula carry, the resolution date as ISO text (or None), the number 0 in certificación."""
    resolution = config.resolution
    return {"rut": config.rut, "razon_social": config.razon_social, "giro": config.giro,
            "acteco": list(config.acteco), "direccion": config.direccion, "comuna": config.comuna,
            "ciudad": config.ciudad, "sucursal_sii": config.sucursal_sii,
            "resolucion_fecha": None if resolution is None else resolution.fecha.isoformat(),
            "resolucion_numero": 0 if resolution is None else resolution.numero, "unidad_sii": config.unidad_sii}


async def store(pool: db.Pool, tenant_id: int, changes: Mapping[str, object], *, by: str = "",
                require_complete: bool = False) -> EmisorConfig:
    """Apply ``changes`` to the tenant's emisor data (created when absent) and save it; documents waiting for it
    are retried at once.

    Args:
        require_complete: refuse to save data that still misses something (the HQ form saves everything at once).

    Raises:
        EmisorError: an invalid value, missing data with ``require_complete``, or an unknown tenant.
    """
    async with db.tenant_tx(pool, tenant_id) as conn:
        if await tenants.rut(conn, tenant_id) is None:
            raise EmisorError(f"el tenant {tenant_id} no existe")
        await emisor_store.lock(conn, tenant_id)
        current = await load_emisor(conn, tenant_id) or EmisorConfig(rut=await tenant_rut(conn, tenant_id))
        config = apply(current, changes)
        if require_complete and config.missing():
            raise EmisorError("falta: " + ", ".join(config.missing()))
        resolution = config.resolution
        values: dict[str, object] = {
            "razon_social": config.razon_social, "giro": config.giro, "acteco": list(config.acteco),
            "direccion": config.direccion, "comuna": config.comuna, "ciudad": config.ciudad,
            "sucursal_sii": config.sucursal_sii, "resolucion_fecha": None if resolution is None else resolution.fecha,
            "resolucion_numero": 0 if resolution is None else resolution.numero, "unidad_sii": config.unidad_sii,
            "updated_by": by}
        await emisor_store.save(conn, tenant_id, values)
        await change_feed.append_change(conn, tenant_id, "emisor", "emisor", feed_data(config))
        if config.complete:
            await emisor_store.retry_waiting(conn, tenant_id, MISSING_PREFIX)
    return config
