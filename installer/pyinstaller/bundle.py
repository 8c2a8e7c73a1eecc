"""What the till's one-folder bundle holds, read by both PyInstaller specs (almacen-linux.spec, almacen-windows.spec).

Paths are relative to the repository root (forward slashes; each spec turns them into its platform's form).
tests/installer/test_bundle_specs.py checks that both specs take these lists and that every path exists.
"""

from __future__ import annotations

NAME = "almacen"
"""The bundle's folder and executable (``dist/almacen/almacen``, ``dist\\almacen\\almacen.exe``)."""

ENTRY = "installer/pyinstaller/almacen_entry.py"
"""The bundle's main script: ``almacen pos ...`` and ``almacen dte ...`` (the till's commands, no server)."""

DATAS: list[tuple[str, str]] = [
    ("shared/dte/data/xsd", "shared/dte/data/xsd"),  # the SII's XSDs (shared.dte.verdict.XSD_DIR)
    ("shared/dte/data/sii_certs", "shared/dte/data/sii_certs"),  # the SII's CAF keys (verdict.SII_CERTS, folios)
    ("desktop/journal/migrations", "desktop/journal/migrations"),  # alembic reads env.py and versions/ as files
    ("desktop/demo/logo.png", "desktop/demo"),  # settings' default receipt logo
    ("desktop/demo/catalog.csv", "desktop/demo"),  # `pos init --demo`, `pos demo`
    ("installer/pyinstaller/README-bundle.txt", "."),
]
"""(source in the repository, folder inside the bundle)."""

FONTS = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"]
"""The PDF fonts (shared.dte.drawing.DEJAVU's files) copied into ``<bundle>/_internal/fonts`` from
``$ALMACEN_DEJAVU_DIR`` (default: Debian's fonts-dejavu-core folder; on Windows the folder of DejaVu's release zip);
the entry script points the PDF writer there."""
DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/dejavu"

COLLECT_SUBMODULES = ["desktop", "shared", "alembic", "sqlalchemy.dialects.sqlite", "pyqtgraph"]
"""Packages taken whole: the till's commands import their parts lazily; alembic's migrations import by file."""

COLLECT_DATA = ["escpos", "pyqtgraph", "reportlab", "alembic"]
"""Packages whose own data files ship (escpos' printer capabilities, reportlab's fonts, alembic's templates)."""

EXCLUDES = ["syncserver", "psycopg", "psycopg_pool", "starlette", "uvicorn", "jinja2", "tkinter",
            "pytest", "hypothesis", "playwright", "PySide6.QtWebEngineCore", "PySide6.QtQml",
            "setuptools", "distutils", "pkg_resources", "click", "rich", "pygments", "IPython"]
"""Never in the till: the server's side and the test tools (desktop and syncserver are independent)."""

HIDDEN_IMPORTS = ["bundle_smoke", "desktop.cli", "desktop.dte_cli", "PySide6.QtSvg", "PySide6.QtPrintSupport"]
"""Imported only by name or by Qt at run time."""


def _wanted(module: str) -> bool:
    """Not the packages' own tests, examples or optional parts the till lacks (alembic.testing, pyqtgraph's GL)."""
    return not any(part in module for part in (".tests", ".examples", "alembic.testing", "pyqtgraph.opengl",
                                               "pyqtgraph.canvas", "pyqtgraph.jupyter"))


def inputs(root: str, font_dir: str) -> tuple[list[tuple[str, str]], list[str]]:
    """``(datas, hiddenimports)`` for PyInstaller's ``Analysis``, with paths under ``root`` in the platform's form.

    Raises:
        FileNotFoundError: a data file or a font is missing (names it): a bundle without it would fail at the till.
    """
    import os

    from PyInstaller.utils.hooks import collect_data_files, collect_submodules

    datas: list[tuple[str, str]] = []
    for source, target in DATAS:
        path = os.path.join(root, *source.split("/"))
        if not os.path.exists(path):
            raise FileNotFoundError(f"falta {path} (bundle.DATAS)")
        datas.append((path, target.replace("/", os.sep)))
    for font in FONTS:
        path = os.path.join(font_dir, font)
        if not os.path.exists(path):
            raise FileNotFoundError(f"falta la fuente {path}: instale fonts-dejavu-core o defina ALMACEN_DEJAVU_DIR")
        datas.append((path, "fonts"))
    for package in COLLECT_DATA:
        datas += collect_data_files(package)
    hidden = list(HIDDEN_IMPORTS)
    for package in COLLECT_SUBMODULES:
        hidden += collect_submodules(package, filter=_wanted)
    return datas, hidden
