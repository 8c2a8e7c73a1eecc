"""A local stand-in for the SII, for tests and the demo: a separate Starlette app serving the SII's own paths with
the SII's answer formats, so the server's real client (:mod:`syncserver.sii.ws`) talks to it unchanged.

What it serves, checks and fakes: docs/architecture.md#the-sii-stand-in.
Run it: ``almacen server sii-standin --port 8790``.

    sii_standin/
    ├── __main__.py  ``python -m syncserver.sii_standin``
    ├── reclamos.py  the Registro de Reclamos: received supplier documents, the buyer's answers and their rules
    ├── state.py     what the stand-in knows and decides: tokens, CAFs, envíos, faults
    └── web.py       the stand-in's HTTP face: the SII's paths and answer formats
"""

from __future__ import annotations

import argparse
from pathlib import Path

from syncserver.sii_standin.state import GARBAGE, Envio, Fault, StandIn, Verdict, totals_problems
from syncserver.sii_standin.web import create_app

__all__ = ["GARBAGE", "Envio", "Fault", "StandIn", "Verdict", "add_parser", "create_app", "main", "totals_problems"]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register ``sii-standin`` (its options, ``func`` = :func:`serve`) on ``almacen server``'s sub-commands."""
    text = "simulador local del SII (los mismos servicios y respuestas del SII; para pruebas y la demo)"
    standin = subparsers.add_parser("sii-standin", help=text, description=text)
    standin.add_argument("--host", default="127.0.0.1", help="dirección donde escuchar (por defecto 127.0.0.1)")
    standin.add_argument("--port", type=int, default=8790, help="puerto HTTP (por defecto 8790)")
    standin.add_argument("--caf", type=Path, action="append", default=[], metavar="ARCHIVO",
                         help="CAF que el simulador da por autorizado (se puede repetir)")
    standin.add_argument("--token-minutos", type=float, default=30.0, metavar="N",
                         help="duración de los tokens que entrega (por defecto 30 minutos)")
    standin.set_defaults(func=serve)
    return standin


def main(argv: list[str] | None = None) -> int:
    """``python -m syncserver.sii_standin [--host H] [--port N] [--caf FILE ...]``: ``almacen server sii-standin``."""
    import sys

    root = argparse.ArgumentParser(prog="almacen server")
    add_parser(root.add_subparsers(dest="server_command", required=True))
    args = root.parse_args(["sii-standin", *(sys.argv[1:] if argv is None else argv)])
    return serve(args)


def serve(args: argparse.Namespace) -> int:
    """Start the stand-in with ``args`` (``host``, ``port``, ``caf`` paths, ``token_minutos``, as parsed by
    ``almacen server sii-standin``); prints its URL, serves until Ctrl-C."""
    import sys
    from datetime import timedelta

    import uvicorn

    from shared.errors import PosError

    standin = StandIn(token_ttl=timedelta(minutes=args.token_minutos))
    for path in args.caf:
        try:
            standin.register_caf(path.read_bytes())
        except (OSError, PosError) as exc:
            print(f"ERROR: no se pudo cargar el CAF {path}: {exc}", file=sys.stderr)
            return 1
    print(f"Simulador del SII en http://{args.host}:{args.port} (ambiente 'standin', sii_url)", flush=True)
    uvicorn.run(create_app(standin), host=args.host, port=args.port, log_config=None, access_log=False)
    return 0
