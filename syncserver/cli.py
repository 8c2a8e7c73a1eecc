"""``almacen server``: run the sync server (uvicorn), with an embedded PostgreSQL when no database URL is set.

Also ``python -m syncserver.cli [options]`` (the same as ``almacen server [options]``). Heavy imports (uvicorn,
starlette, psycopg) happen inside the commands so ``almacen pos`` does not pay for them.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from shared import launcher
from shared.errors import PosError
from syncserver import settings as settings_mod

log = logging.getLogger("syncserver.cli")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``server`` (and ``server db-url``/``db-stop``) on an ``add_subparsers()`` object.

    Returns:
        The ``server`` parser; every command sets ``func(args) -> int``.
    """
    desc = ("El servidor de sincronización y HQ. Sin ALMACEN_DATABASE_URL usa un PostgreSQL propio en "
            "<data_dir>/pg (lo crea la primera vez, lo inicia y lo detiene al salir).")
    server = subparsers.add_parser("server", help="servidor de sincronización y HQ", description=desc)
    config_help = "archivo TOML de configuración (claves: database_url, port, log_level, ...)"
    server.add_argument("--config", metavar="FILE", type=Path, help=config_help)
    server.add_argument("--host", help="dirección donde escuchar (por defecto 127.0.0.1 o ALMACEN_HOST)")
    server.add_argument("--port", type=int, help="puerto HTTP (por defecto 8700 o ALMACEN_PORT)")
    server.add_argument("--workers", type=int, default=1, metavar="N", help="procesos uvicorn (uno por núcleo)")
    server.set_defaults(func=cmd_run)
    sub = server.add_subparsers(dest="server_command", metavar="{db-url,db-stop,admin,caf,sii-standin}")
    for name, func, text in (
        ("db-url", cmd_db_url, "imprimir la URL de la base de datos (inicia el PostgreSQL propio si hace falta "
                               "y lo deja corriendo)"),
        ("db-stop", cmd_db_stop, "detener el PostgreSQL propio iniciado por db-url"),
    ):
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("--config", metavar="FILE", type=Path, default=argparse.SUPPRESS, help=config_help)
        p.set_defaults(func=func)
    from syncserver import admin

    admin.add_parser(sub, config_help)  # almacen server admin tenant-add|store-add|hq-user-add|enroll-code|terminals
    from syncserver import sii_standin

    sii_standin.add_parser(sub)  # almacen server sii-standin: the SII stand-in, for tests and the demo
    return server  # type: ignore[no-any-return]


def _settings(args: argparse.Namespace) -> settings_mod.ServerSettings:
    settings = settings_mod.load(args.config)
    return settings.with_overrides(host=getattr(args, "host", None), port=getattr(args, "port", None))


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM outside uvicorn's own handling: unwind normally so ``finally`` stops PostgreSQL."""
    raise SystemExit(0)


def cmd_run(args: argparse.Namespace) -> int:
    """Start the embedded PostgreSQL if needed, serve until SIGTERM/Ctrl-C, then stop what was started."""
    import uvicorn

    from syncserver import app as app_mod
    from syncserver import bootstrap, logs

    if args.workers < 1:
        raise settings_mod.SettingsError("--workers debe ser 1 o más")
    settings = _settings(args)
    logs.configure(settings.log_level)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with bootstrap.database(settings) as settings:
            if settings.database_url is not None:
                os.environ["ALMACEN_DATABASE_URL"] = settings.database_url  # uvicorn workers read the environment
            if args.config is not None:
                os.environ["ALMACEN_CONFIG"] = str(args.config.absolute())
            log.info("server starting", extra={"host": settings.host, "port": settings.port,
                                               "workers": args.workers})
            common: dict[str, Any] = {"host": settings.host, "port": settings.port, "log_config": None,
                                      "access_log": False, "proxy_headers": True, "server_header": False}
            if args.workers > 1:
                uvicorn.run("syncserver.app:app_from_env", factory=True, workers=args.workers, **common)
            else:
                uvicorn.run(app_mod.create_app(settings), **common)
    except KeyboardInterrupt:
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def cmd_db_url(args: argparse.Namespace) -> int:
    """Print the database URL; start the embedded PostgreSQL (detached) when it is the one in use."""
    from syncserver import bootstrap

    settings = _settings(args)
    if settings.database_url is not None:
        print(settings.database_url)
        return 0
    cluster = bootstrap.embedded_cluster(settings)
    was_running = cluster.is_running()
    cluster.start(detach=True)
    print(cluster.create_database(bootstrap.DATABASE_NAME, exist_ok=True))
    if not was_running:
        print(f"PostgreSQL quedó corriendo en el puerto {cluster.port}; deténgalo con: almacen server db-stop",
              file=sys.stderr)
    return 0


def cmd_db_stop(args: argparse.Namespace) -> int:
    """Stop the embedded PostgreSQL of ``data_dir`` if it runs."""
    from syncserver import bootstrap

    cluster = bootstrap.embedded_cluster(_settings(args))
    if not cluster.is_running():
        print("El PostgreSQL propio no está corriendo.", file=sys.stderr)
        return 0
    cluster.stop()
    print(f"PostgreSQL detenido ({cluster.data_dir}).", file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the parsed command; an Almacén error (settings, cluster, admin) is one ``ERROR:`` line and exit 1."""
    try:
        return int(args.func(args))
    except PosError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    """``python -m syncserver.cli [--port N] [db-url]``: ``almacen server`` without the launcher."""
    root = argparse.ArgumentParser(prog="almacen")
    add_parser(root.add_subparsers(dest="part", required=True))
    return run(root.parse_args(["server", *(sys.argv[1:] if argv is None else argv)]))


SERVER = launcher.Part(add_parser, run)
"""``almacen server`` (entry point ``almacen.commands``)."""


if __name__ == "__main__":
    sys.exit(main())
