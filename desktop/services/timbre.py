"""The timbre (TED) as the PDF417 printed on a boleta, sized for the paper, and its legends.

``shared.dte.ted.pdf417_image`` draws the symbol (ECL 5, ISO-8859-1 bytes, no ECI). Here it is fitted to the
printer: modules 2 dots wide (0,25 mm at 203 dpi) with the most data columns whose width fits the paper's dots
(12 columns on 80 mm / 576 dots: about 6,9 cm wide, inside the SII's 5-9 cm), and rows 3 modules tall, or 2,5
(or 2) when that keeps the symbol within the SII's 4 cm height (a TED of 760-830 bytes needs 2,5 at 12
columns). On 58 mm paper (384 dots) no PDF417 of a TED with 2-dot modules fits: it prints with 1-dot modules
(about 3,5 cm wide, under the SII's 5 cm minimum; use 80 mm paper for boletas).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.dte import ted

if TYPE_CHECKING:
    from PIL.Image import Image

DPI = 203
MODULE_DOTS = 2
QUIET_MODULES = 2
MAX_COLUMNS = 14
MIN_COLUMNS = 3
MAX_HEIGHT_DOTS = int(ted.PDF417_MAX_CM[1] / 2.54 * DPI)
"""4 cm at 203 dpi (319 dots)."""


def columns_for(dots: int, module_dots: int = MODULE_DOTS) -> int:
    """The most PDF417 data columns whose symbol (with quiet zones) fits ``dots`` at ``module_dots``."""
    for columns in range(MAX_COLUMNS, MIN_COLUMNS - 1, -1):
        if (17 * columns + 69 + 2 * QUIET_MODULES) * module_dots <= dots:
            return columns
    return MIN_COLUMNS


def timbre_image(ted_text: str, dots: int) -> Image:
    """The PDF417 of a TED (ISO-8859-1 text, as stamped) for a printer ``dots`` wide (mode "L").

    Modules are 2 dots wide when a symbol fits the paper that way (80 mm), else 1 dot (58 mm: zxing-cpp needs
    more columns than asked when the rows would pass 90, so a 2-dot TED cannot fit 384 dots).

    Raises:
        DocumentInvalid: the TED does not fit a PDF417 symbol.
    """
    image = _symbol(ted_text, dots, MODULE_DOTS)
    return image if image.width <= dots else _symbol(ted_text, dots, 1)


def _symbol(ted_text: str, dots: int, module_dots: int) -> Image:
    from PIL import Image as PilImage

    columns = columns_for(dots, module_dots)
    # one dot per module, rows 3 dots tall, 2-module quiet zone: keep one line of dots per row
    drawn = ted.pdf417_image(ted_text.encode("latin-1"), columns=columns, scale=1)
    symbol = drawn.crop((QUIET_MODULES, QUIET_MODULES, drawn.width - QUIET_MODULES, drawn.height - QUIET_MODULES))
    rows = symbol.height // 3
    flat = PilImage.new("L", (symbol.width, rows))
    for row in range(rows):
        flat.paste(symbol.crop((0, row * 3, symbol.width, row * 3 + 1)), (0, row))
    quiet = QUIET_MODULES * module_dots
    # rows 3 modules tall; 2,5 or 2 when that keeps the symbol within the SII's 4 cm
    row_dots = 3 * module_dots
    for candidate in (3 * module_dots, (5 * module_dots) // 2, 2 * module_dots):
        row_dots = candidate
        if rows * candidate + 2 * quiet <= MAX_HEIGHT_DOTS:
            break
    scaled = flat.resize((symbol.width * module_dots, rows * row_dots), PilImage.Resampling.NEAREST)
    out = PilImage.new("L", (scaled.width + 2 * quiet, scaled.height + 2 * quiet), 255)
    out.paste(scaled, (quiet, quiet))
    return out


def legends(resolution_number: int, resolution_year: int) -> tuple[str, ...]:
    """The texts the SII requires under the timbre."""
    return ("Timbre Electrónico SII", f"Res. {resolution_number} de {resolution_year}",
            "Verifique documento: www.sii.cl")


TITLES = {33: "FACTURA ELECTRÓNICA", 34: "FACTURA NO AFECTA O EXENTA ELECTRÓNICA", 39: "BOLETA ELECTRÓNICA",
          41: "BOLETA NO AFECTA O EXENTA ELECTRÓNICA", 61: "NOTA DE CRÉDITO ELECTRÓNICA"}
"""The title in the recuadro of each document type (SII Manual de Muestras Impresas)."""

NAMES = {33: "factura", 34: "factura exenta", 39: "boleta", 41: "boleta exenta", 61: "nota de crédito"}
"""How the cashier and the receipts name each document type in a sentence."""
