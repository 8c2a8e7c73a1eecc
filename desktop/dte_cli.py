"""``almacen dte ...``: electronic tax documents from the command line (``verify`` a CAF, DTE or envelope)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop import cli_io

EXIT_OK = 0
EXIT_FAILS = 1
"""Some signature, TED or CAF signature does not verify."""
EXIT_UNREADABLE = 2
"""The file cannot be read, is not XML, is hostile XML or is not a CAF, DTE, EnvioDTE or EnvioBOLETA."""


def cmd_verify(args: argparse.Namespace) -> int:
    from shared.dte import verdict

    path = Path(args.file)
    data = cli_io.read_input(path)
    if data is None:
        return EXIT_UNREADABLE
    result = verdict.verify(data)
    cli_io.print_json({"file": str(path), **result.as_json()})
    if result.error:
        cli_io.error(result.error)
        return EXIT_UNREADABLE if not result.documents else EXIT_FAILS
    return EXIT_OK if result.ok else EXIT_FAILS


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``dte`` (and ``dte verify FILE``) on an ``add_subparsers()`` object."""
    dte: argparse.ArgumentParser = subparsers.add_parser("dte", help="documentos tributarios electrónicos (verificar)",
                                description="Documentos tributarios electrónicos del SII.")
    sub = dte.add_subparsers(dest="command", required=True)
    verify = sub.add_parser(
        "verify", help="verificar un CAF, DTE, EnvioDTE o EnvioBOLETA",
        description="Imprime un veredicto JSON por documento: firma XML (digest, SignedInfo, certificado), timbre "
                    "(TED), firma del CAF, esquema y totales. Sale con 0 sólo si todas las firmas y timbres "
                    "verifican; 1 si alguno falla; 2 si el archivo no se puede leer o no es del SII.")
    verify.add_argument("file", help="archivo XML (ISO-8859-1 o UTF-8, con o sin el espacio de nombres del SII)")
    verify.set_defaults(func=cmd_verify)
    from desktop import dte_pdf_cli, purchase_cli

    purchase_cli.add_parser(sub)
    dte_pdf_cli.add_parser(sub)
    return dte
