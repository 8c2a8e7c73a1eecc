"""``almacen dte pdf FILE [--out DIR] [--cedible]``: a PDF per DTE of a file (DTE, EnvioDTE or EnvioBOLETA).

The drawing is ``shared.dte.pdf`` (SII Manual de Muestras Impresas layout); this module only reads the file,
writes ``<RUT>_T<tipo>F<folio>[_cedible].pdf`` files and reports. Exit status: 0 all written, 2 the file cannot
be read or printed (hostile or malformed XML, not a DTE, missing resolution, TED that does not match), 3 the
output folder cannot be written.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop import cli_io

EXIT_OK = 0
EXIT_UNPRINTABLE = 2
EXIT_NOT_WRITTEN = 3


def cmd_pdf(args: argparse.Namespace) -> int:
    try:
        from desktop.drivers import pdf_reportlab
    except ImportError as exc:  # reportlab comes with the server; a terminal may lack it
        cli_io.error(f"falta la biblioteca para generar PDF ({exc.name}); instale reportlab")
        return EXIT_UNPRINTABLE
    from shared.dte import errors, pdf

    if (args.resolucion_numero is None) != (args.resolucion_anio is None):
        cli_io.error("indique --resolucion-numero y --resolucion-anio juntos")
        return EXIT_UNPRINTABLE
    resolucion = None if args.resolucion_numero is None else (args.resolucion_numero, args.resolucion_anio)
    path = Path(args.file)
    data = cli_io.read_input(path)
    if data is None:
        return EXIT_UNPRINTABLE
    try:
        documents = pdf.render_pdfs(data, backend=pdf_reportlab.ReportlabBackend(), resolucion=resolucion,
                                    cedible=args.cedible, unidad_sii=args.unidad_sii, papel=args.papel)
    except errors.DteError as exc:
        cli_io.error(f"{path}: {exc}")
        return EXIT_UNPRINTABLE
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for doc in documents:
            target = out / doc.filename
            target.write_bytes(doc.pdf)
            print(target)
    except OSError as exc:
        cli_io.error(f"no se puede escribir en {out}: {exc.strerror}")
        return EXIT_NOT_WRITTEN
    return EXIT_OK


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``pdf FILE`` on the ``dte`` command's subparsers."""
    p: argparse.ArgumentParser = sub.add_parser(
        "pdf", help="generar el PDF de cada DTE de un archivo (factura, nota, boleta)",
        description="Escribe un PDF por documento (DTE, EnvioDTE o EnvioBOLETA) con el formato del Manual de "
                    "Muestras Impresas del SII: recuadro, detalle, totales y timbre PDF417. Imprime la ruta de "
                    "cada PDF. Sale con 0 si los escribió todos; 2 si el archivo no se puede leer o imprimir; 3 si "
                    "no se puede escribir la carpeta.")
    p.add_argument("file", help="archivo XML firmado (ISO-8859-1 o UTF-8)")
    p.add_argument("--out", default=".", metavar="CARPETA", help="carpeta de salida (por defecto la actual)")
    p.add_argument("--cedible", action="store_true",
                   help="las facturas (33, 34) salen como copia CEDIBLE con acuse de recibo (Ley 19.983)")
    p.add_argument("--resolucion-numero", type=int, metavar="N",
                   help="número de la resolución del SII (0 en certificación); por defecto el de la carátula")
    p.add_argument("--resolucion-anio", type=int, metavar="AAAA", help="año de la resolución del SII")
    p.add_argument("--unidad-sii", metavar="UNIDAD",
                   help="unidad del SII bajo el recuadro (p. ej. \"SANTIAGO ORIENTE\"); por defecto la comuna del "
                        "emisor")
    p.add_argument("--papel", choices=("carta", "a4"), default="carta", help="tamaño de hoja (por defecto carta)")
    p.set_defaults(func=cmd_pdf)
    return p
