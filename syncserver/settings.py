"""Server settings: ``ALMACEN_*`` environment variables, overridden by an optional TOML file (``--config``).

Every field has an environment variable ``ALMACEN_<NAME>`` and a TOML key ``<name>`` (lower case, no prefix).
``ALMACEN_CONFIG`` names the TOML file when ``--config`` is not given (that is how uvicorn workers get it).
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from shared.errors import PosError

PREFIX = "ALMACEN_"
SECRET_FILE = "secret_key"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SII_ENVIRONMENTS = ("certificacion", "produccion", "standin")


class SettingsError(PosError):
    """A setting is unknown or has a value of the wrong kind; the message names the key and where it came from."""


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Everything the server process needs to start.

    Each default is written here and nowhere else: code reads the attributes (``settings.rvd_enabled``), HTTP
    handlers through :func:`syncserver.state.settings`. ``database_url`` ``None`` means: run the embedded PostgreSQL
    in ``data_dir/pg`` (``almacen server`` does, through :mod:`syncserver.bootstrap`).
    """

    database_url: str | None = field(default=None, repr=False)  # may carry a password
    hq_read_url: str | None = field(default=None, repr=False)  # a streaming replica for HQ's read-only pages
    data_dir: Path = Path("var/server")
    host: str = "127.0.0.1"
    port: int = 8700
    secret_key: str = field(default="", repr=False)
    log_level: str = "INFO"
    max_batch_bytes: int = 8 * 1024 * 1024
    max_batch_events: int = 5000
    health_timeout: float = 2.0  # seconds /health waits for a database connection
    folio_lease_size: int = 100  # folios leased to a terminal at a time, per document type
    folio_low_water: int = 20  # lease more when a terminal has fewer unused folios of a type than this
    sii_environment: str = "standin"  # certificacion (maullin) | produccion (palena) | standin (sii_url)
    sii_url: str = "http://127.0.0.1:8790"  # base URL of the SII stand-in (almacen server sii-standin)
    dte_interval: float = 0.0  # seconds between passes of the DTE scheduler (sign, pack, send, poll); 0 = off
    rvd_enabled: bool = False  # build and send the daily RVD (ConsumoFolios)
    standin_caf_key: str = ""  # PEM public key of the SII stand-in's CAF issuer (IDK 9999); only with "standin"
    hq_secure_cookie: bool = False  # HQ's session cookie only over HTTPS (set it when a TLS proxy fronts HQ)
    hq_session_idle_minutes: int = 30  # an HQ session without a request for this long ends
    hq_session_max_hours: int = 12  # an HQ session ends this long after its login, however busy

    def with_overrides(self, **changes: Any) -> ServerSettings:
        """A copy with ``changes`` applied (``None`` values are ignored), checked like loaded values."""
        given = {k: v for k, v in changes.items() if v is not None}
        return _validated(replace(self, **given), "argumentos")


def load(config: Path | None = None, env: Mapping[str, str] | None = None) -> ServerSettings:
    """Settings from ``env`` (default ``os.environ``), then ``config`` (or ``$ALMACEN_CONFIG``) on top.

    The secret key, when neither source sets it, is read from ``data_dir/secret_key``, generated there (0600) on
    first use. ``data_dir`` is made absolute against the current folder.

    Raises:
        SettingsError: an unknown TOML key, a value of the wrong kind, a missing or unreadable config file.
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for f in fields(ServerSettings):
        raw = env.get(PREFIX + f.name.upper())
        if raw is not None and raw != "":
            values[f.name] = _coerce(f.name, raw, f"variable {PREFIX}{f.name.upper()}")
    path = config if config is not None else (Path(env[PREFIX + "CONFIG"]) if env.get(PREFIX + "CONFIG") else None)
    if path is not None:
        values.update(_read_toml(path))
    settings = _validated(ServerSettings(**values), str(path or "entorno"))
    settings = replace(settings, data_dir=settings.data_dir.absolute())
    if not settings.secret_key:
        settings = replace(settings, secret_key=ensure_secret_key(settings.data_dir))
    return settings


def ensure_secret_key(data_dir: Path) -> str:
    """The key in ``data_dir/secret_key``, created (0600, 32 random bytes as URL-safe text) when absent."""
    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o711)  # others may traverse (postgres → pg/), not list
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker won the race: read theirs
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(32) + "\n")
    return path.read_text().strip()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise SettingsError(f"No se pudo leer el archivo de configuración {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: TOML inválido: {exc}") from exc
    known = {f.name for f in fields(ServerSettings)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise SettingsError(f"{path}: clave desconocida {key!r} (válidas: {', '.join(sorted(known))})")
        values[key] = _coerce(key, value, f"{path}: clave {key!r}")
    return values


def _coerce(name: str, value: object, where: str) -> Any:
    """``value`` (a string from the environment or a TOML value) as the field's type."""
    kind = {f.name: f.type for f in fields(ServerSettings)}[name]
    try:
        if kind == "int":
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                raise TypeError
            return int(value)
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower() if isinstance(value, str) else None
            if text in ("1", "true", "si", "sí", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise TypeError
            return float(value)
        if not isinstance(value, str):
            raise TypeError
        return Path(value) if kind == "Path" else value
    except (TypeError, ValueError):
        raise SettingsError(f"{where}: valor inválido {value!r} (se espera {kind})") from None


def _validated(settings: ServerSettings, where: str) -> ServerSettings:
    level = settings.log_level.upper()
    if level not in LOG_LEVELS:
        raise SettingsError(f"{where}: log_level {settings.log_level!r} no es uno de {', '.join(LOG_LEVELS)}")
    if not 0 < settings.port < 65536:
        raise SettingsError(f"{where}: port {settings.port} fuera de rango (1–65535)")
    positive = {"max_batch_bytes": settings.max_batch_bytes, "max_batch_events": settings.max_batch_events,
                "health_timeout": settings.health_timeout, "folio_lease_size": settings.folio_lease_size,
                "hq_session_idle_minutes": settings.hq_session_idle_minutes,
                "hq_session_max_hours": settings.hq_session_max_hours}
    for name, value in positive.items():
        if value <= 0:
            raise SettingsError(f"{where}: {name} debe ser mayor que cero")
    if settings.folio_low_water < 0:
        raise SettingsError(f"{where}: folio_low_water no puede ser negativo")
    if settings.sii_environment not in SII_ENVIRONMENTS:
        raise SettingsError(f"{where}: sii_environment {settings.sii_environment!r} no es uno de"
                            f" {', '.join(SII_ENVIRONMENTS)}")
    if settings.standin_caf_key and settings.sii_environment != "standin":
        raise SettingsError(f"{where}: standin_caf_key solo se acepta con sii_environment = 'standin' (los CAF del"
                            " simulador nunca valen ante el SII)")
    if settings.dte_interval < 0:
        raise SettingsError(f"{where}: dte_interval no puede ser negativo (0 = sin envíos automáticos)")
    return replace(settings, log_level=level)
