"""The layout of a printed DTE on Carta or A4 (SII Manual de Muestras Impresas): pages of drawing primitives
measured by a PDF backend (:mod:`shared.dte.drawing`); what each page carries is :func:`lay_out`'s docstring."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from shared import es_cl
from shared.dte import drawing, errors, printed, xmlcore
from shared.dte import timbre as timbre_mod

Papel = Literal["carta", "a4"]
PAGE_SIZES: Final = {"carta": (612.0, 792.0), "a4": (595.2755905511812, 841.8897637795277)}
"""Points: Carta 216 × 279 mm (8,5 × 11 in, the usual in Chile) and A4 210 × 297 mm (reportlab's LETTER and A4)."""
MM: Final = drawing.MM
Measure = Callable[[str, str, float], float]
"""``(text, font, size) -> width`` in points (:meth:`drawing.PdfBackend.width`)."""
RED: Final = (0.78, 0.0, 0.0)
BLACK: Final = (0.0, 0.0, 0.0)
GREY_LINE: Final = (0.72, 0.72, 0.72)
GREY_FILL: Final = (0.9, 0.9, 0.9)
MARGIN_X: Final = 15 * MM
MARGIN_TOP: Final = 12 * MM
MARGIN_BOTTOM: Final = 12 * MM
RECUADRO_W: Final = 70 * MM
RECUADRO_H: Final = 30 * MM
RECUADRO_LINE: Final = 2.0
"""0,7 mm."""
TIMBRE_LEFT: Final = 20 * MM
"""The timbre's quiet zone starts 2 cm from the paper's left edge (the manual's minimum)."""
LEADING: Final = 1.22
"""Line height as a share of the font size."""

ACUSE_LEYENDA: Final = ("El acuse de recibo que se declara en este acto, de acuerdo a lo dispuesto en la letra b) "
                        "del Art. 4°, y la letra c) del Art. 5° de la Ley 19.983, acredita que la entrega de "
                        "mercaderías o servicio(s) prestado(s) ha(n) sido recibido(s).")


def _wrap(measure: Measure, text: str, font: str, size: float, width: float, max_lines: int = 12) -> list[str]:
    """``text`` broken into lines no wider than ``width`` (long words cut); at most ``max_lines``, the last one
    ending in "…" when text was left out."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if measure(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while measure(word, font, size) > width:
            cut = max(1, len(word) - 1)
            while cut > 1 and measure(word[:cut], font, size) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and measure(last + "…", font, size) > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines or [""]


@dataclass(frozen=True, slots=True)
class _Column:
    title: str
    width: float
    align: Literal["left", "right", "center"]


@dataclass(slots=True)
class _Item:
    """Something in the flow under the page header: a detail row, the referencias' heading, a reference row."""

    kind: Literal["detail", "refs_title", "ref", "note"]
    height: float
    draw: Callable[[drawing.Canvas, float], None]


class _Layout:
    def __init__(self, doc: printed.Printed, resolution: tuple[int, int], cedible: bool, unidad_sii: str | None,
                 papel: Papel, backend: drawing.PdfBackend) -> None:
        self.doc = doc
        self.resolution = resolution
        self.cedible = cedible
        self.page_w, self.page_h = PAGE_SIZES[papel]
        self.content_w = self.page_w - 2 * MARGIN_X
        self.f = backend.fonts()
        self.measure: Measure = backend.width
        unidad = xmlcore.clean_text(unidad_sii or "") or doc.comuna or doc.ciudad
        if not unidad:
            raise errors.UnprintableDocument("indique la unidad del SII (el emisor no tiene comuna)")
        self.unidad = unidad.upper()
        self.timbre = timbre_mod.timbre(doc.ted_payload)
        self.columns = self._detail_columns()
        self.header_h = self._header_height()
        self.datos_h = self._datos_height()
        self.bottom_h = self._bottom_height()

    def _wrap(self, text: str, font: str, size: float, width: float, max_lines: int = 12) -> list[str]:
        return _wrap(self.measure, text, font, size, width, max_lines)

    # sizes ---------------------------------------------------------------------------------------------------
    def _detail_columns(self) -> list[_Column]:
        fixed = [_Column("Código", 22 * MM, "left"), _Column("Cantidad", 19 * MM, "right"),
                 _Column("Precio", 21 * MM, "right"), _Column("Descuento", 24 * MM, "right"),
                 _Column("Monto", 24 * MM, "right")]
        rest = self.content_w - sum(c.width for c in fixed)
        return [fixed[0], _Column("Descripción", rest, "left"), *fixed[1:]]

    def _emisor_lines(self) -> list[tuple[str, str, float]]:
        d, f = self.doc, self.f
        width = self.content_w - RECUADRO_W - 8 * MM
        name_size = 12.0 if len(self._wrap(d.emisor, f.bold, 12, width, 3)) == 1 else 10.5
        out = [(line, f.bold, name_size) for line in self._wrap(d.emisor, f.bold, name_size, width, 3)]
        if d.giro:
            out += [(line, f.regular, 8.5) for line in self._wrap(f"Giro: {d.giro}", f.regular, 8.5, width, 3)]
        place = ", ".join(x for x in (d.direccion, d.comuna,
                                      d.ciudad if d.ciudad.casefold() != d.comuna.casefold() else "") if x)
        if place:
            out += [(line, f.regular, 8.5) for line in self._wrap(f"Casa matriz: {place}", f.regular, 8.5, width, 2)]
        if d.sucursal:
            out += [(line, f.regular, 8.5) for line in self._wrap(f"Sucursal: {d.sucursal}", f.regular, 8.5, width, 2)]
        for contacto in d.contacto_emisor:
            out += [(line, f.regular, 8.5) for line in self._wrap(contacto, f.regular, 8.5, width, 2)]
        return out

    def _header_height(self) -> float:
        emisor = sum(size * LEADING for _, _, size in self._emisor_lines())
        return max(emisor, RECUADRO_H + 6 * MM) + 4 * MM

    DATOS_SPLIT: Final = 0.58
    """Receptor on the left (this share of the width), fecha, vencimiento and forma de pago on the right."""
    DATOS_SIZE: Final = 8.5

    def _label_w(self, labels: Sequence[str]) -> float:
        return max((self.measure(f"{x}:", self.f.bold, self.DATOS_SIZE) for x in labels), default=0.0) + 2.5 * MM

    def _datos_layout(self) -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]]]:
        """(left rows, right rows) of the box under the header: each a label and its value's lines."""
        d, size = self.doc, self.DATOS_SIZE
        dates = [("Fecha de emisión", es_cl.date_words(d.fecha))]
        if d.vencimiento:
            dates.append(("Vencimiento", d.vencimiento))
        if d.forma_pago:
            dates.append(("Forma de pago", d.forma_pago))
        left_rows, right_rows = (d.receptor, dates) if d.receptor else (dates, [])  # anonymous boleta: date only
        left_w = self.content_w * self.DATOS_SPLIT - 6 * MM
        right_w = self.content_w * (1 - self.DATOS_SPLIT) - 3 * MM
        left_values = left_w - self._label_w([k for k, _ in left_rows])
        right_values = right_w - self._label_w([k for k, _ in right_rows])
        return ([(k, self._wrap(v, self.f.regular, size, left_values, 3)) for k, v in left_rows],
                [(k, self._wrap(v, self.f.regular, size, right_values, 2)) for k, v in right_rows])

    def _datos_height(self) -> float:
        left, right = self._datos_layout()
        lines = max(sum(len(v) for _, v in left), sum(len(v) for _, v in right))
        return lines * self.DATOS_SIZE * LEADING + 5 * MM

    # the flow (detail, referencias) -------------------------------------------------------------------------
    def _detail_item(self, line: printed.Line) -> _Item:
        f, cols = self.f, self.columns
        size = 8.0
        desc_w = cols[1].width - 3 * MM
        desc = [(t, f.narrow) for t in self._wrap(line.nombre, f.narrow, size, desc_w, 3)]
        if line.descripcion:
            desc += [(t, f.narrow) for t in self._wrap(line.descripcion, f.narrow, size, desc_w, 8)]
        if line.nota and self.doc.tipo not in printed.EXENTOS:  # on an exempt document every line is
            desc.append((f"({line.nota.lower()})", f.narrow))
        codigo = self._wrap(line.codigo, f.narrow, size, cols[0].width - 3 * MM, 2) if line.codigo else []
        descuento = self._wrap(line.descuento, f.narrow, size, cols[4].width - 3 * MM, 3) if line.descuento else []
        n_lines = max(len(desc), len(codigo), len(descuento), 1)
        height = n_lines * size * LEADING + 2.2 * MM

        def draw(c: drawing.Canvas, top: float) -> None:
            y = top - 1.1 * MM - size
            x = MARGIN_X
            cells: list[list[tuple[str, str]]] = [
                [(t, f.narrow) for t in codigo], desc, [(line.cantidad, f.narrow)], [(line.precio, f.narrow)],
                [(t, f.narrow) for t in descuento], [(line.monto, f.narrow)]]
            for col, cell in zip(cols, cells, strict=True):
                for i, (text, font) in enumerate(cell):
                    self._cell_text(c, text, font, size, x, col, y - i * size * LEADING)
                x += col.width
            c.stroke(GREY_LINE)
            c.line_width(0.4)
            c.line(MARGIN_X, top - height, MARGIN_X + self.content_w, top - height)

        return _Item("detail", height, draw)

    def _cell_text(self, c: drawing.Canvas, text: str, font: str, size: float, x: float, col: _Column,
                   y: float) -> None:
        c.fill(BLACK)
        c.font(font, size)
        pad = 1.5 * MM
        if col.align == "right":
            c.text(x + col.width - pad, y, text, "right")
        elif col.align == "center":
            c.text(x + col.width / 2, y, text, "center")
        else:
            c.text(x + pad, y, text)

    def _ref_columns(self) -> list[_Column]:
        fixed = [_Column("Documento", 52 * MM, "left"), _Column("Folio", 26 * MM, "left"),
                 _Column("Fecha", 20 * MM, "left"), _Column("Código", 32 * MM, "left")]
        return [*fixed, _Column("Razón de la referencia", self.content_w - sum(c.width for c in fixed), "left")]

    def _ref_items(self) -> list[_Item]:
        if not self.doc.refs:
            return []
        cols = self._ref_columns()
        f = self.f
        size = 8.0
        title_h = 6 * MM + 5.5 * MM

        def draw_title(c: drawing.Canvas, top: float) -> None:
            c.fill(BLACK)
            c.font(f.bold, 9)
            c.text(MARGIN_X, top - 4.5 * MM, "Referencias")
            self._table_header(c, cols, top - 6 * MM, 5.5 * MM)

        items = [_Item("refs_title", title_h, draw_title)]
        for ref in self.doc.refs:
            cells = [self._wrap(ref.tipo, f.narrow, size, cols[0].width - 3 * MM, 2),
                     self._wrap(ref.folio, f.narrow, size, cols[1].width - 3 * MM, 2), [ref.fecha],
                     self._wrap(ref.codigo, f.narrow, size, cols[3].width - 3 * MM, 2),
                     self._wrap(ref.razon, f.narrow, size, cols[4].width - 3 * MM, 3)]
            height = max(len(x) for x in cells) * size * LEADING + 2.2 * MM

            def draw_ref(c: drawing.Canvas, top: float, cells: list[list[str]] = cells, height: float = height) -> None:
                x = MARGIN_X
                for col, cell in zip(cols, cells, strict=True):
                    for i, text in enumerate(cell):
                        self._cell_text(c, text, f.narrow, size, x, col, top - 1.1 * MM - size - i * size * LEADING)
                    x += col.width
                c.stroke(GREY_LINE)
                c.line_width(0.4)
                c.line(MARGIN_X, top - height, MARGIN_X + self.content_w, top - height)

            items.append(_Item("ref", height, draw_ref))
        return items

    def _note_item(self, text: str) -> _Item:
        def draw(c: drawing.Canvas, top: float) -> None:
            c.fill(BLACK)
            c.font(self.f.regular, 7.5)
            c.text(MARGIN_X, top - 3.6 * MM, text)

        return _Item("note", 5 * MM, draw)

    def _table_header(self, c: drawing.Canvas, cols: Sequence[_Column], top: float, height: float) -> None:
        c.fill(GREY_FILL)
        c.stroke(GREY_LINE)
        c.line_width(0.5)
        c.rect(MARGIN_X, top - height, self.content_w, height, stroke=True, fill=True)
        x = MARGIN_X
        for col in cols:
            self._cell_text(c, col.title, self.f.narrow_bold, 8, x, col, top - height + 1.7 * MM)
            x += col.width

    # the bottom block (totals, timbre, acuse de recibo) ----------------------------------------------------------
    TOTALS_W: Final = 82 * MM
    ROW_H: Final = 5.2 * MM
    ACUSE_H: Final = 43 * MM

    def _totals_rows(self) -> list[tuple[list[str], str, float]]:
        """(label lines, value, row height) of the totals box, global discounts/surcharges first."""
        out = []
        for label, value in [*self.doc.globales, *self.doc.totals]:
            lines = self._wrap(label, self.f.regular, 8.5,
                               self.TOTALS_W - 5 * MM - self.measure(value, self.f.regular, 8.5) - 4 * MM, 2)
            out.append((lines, value, self.ROW_H + (len(lines) - 1) * 8.5 * LEADING))
        return out

    def _totals_height(self) -> float:
        return sum(h for _, _, h in self._totals_rows()) + self.ROW_H + 2 * MM

    def _right_height(self) -> float:
        height = self._totals_height()
        if self.cedible:
            height += 4 * MM + self.ACUSE_H + 9 * MM
        return height

    def _left_height(self) -> float:
        return self.timbre.height + 3 * 9 * LEADING + 2 * MM

    def _bottom_height(self) -> float:
        return max(self._right_height(), self._left_height()) + 4 * MM

    def _draw_bottom(self, c: drawing.Canvas) -> None:
        top = MARGIN_BOTTOM + self.bottom_h - 4 * MM
        self._draw_timbre(c, MARGIN_BOTTOM + self._left_height())
        x = MARGIN_X + self.content_w - self.TOTALS_W
        y = top
        c.stroke(BLACK)
        c.line_width(0.6)
        box_h = self._totals_height()
        c.rect(x, y - box_h, self.TOTALS_W, box_h, stroke=True, fill=False)
        y -= 1 * MM
        c.fill(BLACK)
        c.font(self.f.regular, 8.5)
        for lines, value, height in self._totals_rows():
            base = y - self.ROW_H + 1.6 * MM
            for i, line in enumerate(lines):
                c.text(x + 2.5 * MM, base - i * 8.5 * LEADING, line)
            c.text(x + self.TOTALS_W - 2.5 * MM, base, value, "right")
            y -= height
        c.line_width(0.4)
        c.line(x + 2 * MM, y - 0.4 * MM, x + self.TOTALS_W - 2 * MM, y - 0.4 * MM)
        c.font(self.f.bold, 10)
        c.text(x + 2.5 * MM, y - self.ROW_H + 1.4 * MM, "Total")
        c.text(x + self.TOTALS_W - 2.5 * MM, y - self.ROW_H + 1.4 * MM, self.doc.total, "right")
        if self.cedible:
            self._draw_acuse(c, x, top - box_h - 4 * MM)

    def _draw_timbre(self, c: drawing.Canvas, top: float) -> None:
        t = self.timbre
        left = TIMBRE_LEFT
        c.fill(BLACK)
        for bx, by, bw, bh in t.bars:
            c.rect(left + bx * t.module, top - (by + bh) * t.module, bw * t.module, bh * t.module, stroke=False,
                   fill=True)
        center = left + t.width / 2
        y = top - t.height - 9
        numero, anio = self.resolution
        for text, font in (("Timbre Electrónico SII", self.f.bold), (f"Res. {numero} de {anio}", self.f.regular),
                           ("Verifique documento: www.sii.cl", self.f.regular)):
            c.font(font, 8)
            c.text(center, y, text, "center")
            y -= 9 * LEADING

    def _draw_acuse(self, c: drawing.Canvas, x: float, top: float) -> None:
        w, h = self.TOTALS_W, self.ACUSE_H
        c.stroke(BLACK)
        c.line_width(0.6)
        c.rect(x, top - h, w, h, stroke=True, fill=False)
        c.fill(BLACK)
        c.font(self.f.bold, 8.5)
        c.text(x + w / 2, top - 4.5 * MM, "ACUSE DE RECIBO", "center")
        y = top - 10 * MM
        c.font(self.f.regular, 8)
        for left_label, right_label in (("Nombre:", ""), ("R.U.T.:", "Fecha:"), ("Recinto:", "Firma:")):
            self._blank(c, left_label, x + 2.5 * MM, y, (w - 6 * MM) / (2 if right_label else 1))
            if right_label:
                self._blank(c, right_label, x + 2.5 * MM + (w - 3 * MM) / 2, y, (w - 6 * MM) / 2)
            y -= 6 * MM
        c.font(self.f.regular, 6.5)
        for line in self._wrap(ACUSE_LEYENDA, self.f.regular, 6.5, w - 5 * MM, 6):
            c.text(x + 2.5 * MM, y, line)
            y -= 6.5 * LEADING
        c.fill(BLACK)
        c.font(self.f.bold, 16)
        c.text(x + w, top - h - 7 * MM, "CEDIBLE", "right")

    def _blank(self, c: drawing.Canvas, label: str, x: float, y: float, width: float) -> None:
        c.text(x, y, label)
        start = x + self.measure(label, self.f.regular, 8) + 1.5 * MM
        c.line_width(0.4)
        c.line(start, y - 0.8, x + width - 2 * MM, y - 0.8)

    # pages --------------------------------------------------------------------------------------------------
    def _flow(self) -> list[_Item]:
        items = [self._detail_item(x) for x in self.doc.lines]
        if self.doc.bruto and self.doc.tipo not in printed.EXENTOS:
            items.append(self._note_item("Precios y montos de las líneas con IVA incluido."))
        return items + self._ref_items()

    def _flow_top(self, first: bool) -> float:
        top = self.page_h - MARGIN_TOP - self.header_h
        return top - (self.datos_h + 4 * MM if first else 0)

    def _usage(self, items: Sequence[_Item]) -> float:
        table_header = 6 * MM if any(i.kind == "detail" for i in items) else 0
        return table_header + sum(i.height for i in items) + (1 * MM if items else 0)

    def _paginate(self) -> list[list[_Item]]:
        bottom = MARGIN_BOTTOM + 4 * MM  # room for "Hoja n de N"
        pages: list[list[_Item]] = [[]]
        flow = self._flow()
        for n, item in enumerate(flow):
            page = pages[-1]
            candidate = [*page, item]
            if item.kind == "refs_title" and n + 1 < len(flow):
                candidate.append(flow[n + 1])  # a heading never ends a page
            if page and self._usage(candidate) > self._flow_top(len(pages) == 1) - bottom:
                pages.append([item])
            else:
                page.append(item)
        last_room = self._flow_top(len(pages) == 1) - MARGIN_BOTTOM - self.bottom_h
        if self._usage(pages[-1]) > last_room:
            # totals and timbre do not fit under the last rows: the last row (with its heading) opens a new page
            moved = [pages[-1].pop()] if pages[-1] else []
            while pages[-1] and pages[-1][-1].kind == "refs_title":
                moved.insert(0, pages[-1].pop())
            if not pages[-1]:
                pages.pop()
            pages.append(moved)
        return pages

    def draw(self) -> drawing.Drawing:
        d = self.doc
        c = drawing.Canvas()
        title = f"{printed.NOMBRES[d.tipo].capitalize()} N° {d.folio}"
        pages = self._paginate()
        for number, items in enumerate(pages, 1):
            self._draw_header(c)
            top = self._flow_top(number == 1)
            if number == 1:
                self._draw_datos(c, self.page_h - MARGIN_TOP - self.header_h)
            y = top
            table_top = None
            for item in items:
                if item.kind == "detail" and table_top is None:
                    table_top = y
                    self._table_header(c, self.columns, y, 6 * MM)
                    y -= 6 * MM
                if item.kind != "detail" and table_top is not None:
                    self._table_frame(c, table_top, y)
                    table_top = None
                    y -= 1 * MM
                item.draw(c, y)
                y -= item.height
            if table_top is not None:
                self._table_frame(c, table_top, y)
            if number == len(pages):
                self._draw_bottom(c)
            c.font(self.f.regular, 7)
            c.fill(BLACK)
            c.text(MARGIN_X + self.content_w, MARGIN_BOTTOM - 5 * MM,
                   f"{printed.NOMBRES[d.tipo].capitalize()} N° {d.folio} - Hoja {number} de {len(pages)}", "right")
            c.end_page()
        return drawing.Drawing(size=(self.page_w, self.page_h), pages=tuple(c.pages),
                               title=title + (" (cedible)" if self.cedible else ""), author=d.emisor,
                               subject=f"R.U.T. {d.rut_emisor} - {title}", creator="Almacén")

    def _table_frame(self, c: drawing.Canvas, top: float, bottom: float) -> None:
        c.stroke(GREY_LINE)
        c.line_width(0.5)
        c.rect(MARGIN_X, bottom, self.content_w, top - bottom, stroke=True, fill=False)
        x = MARGIN_X
        for col in self.columns[:-1]:
            x += col.width
            c.line(x, top, x, bottom)

    def _draw_header(self, c: drawing.Canvas) -> None:
        d, f = self.doc, self.f
        top = self.page_h - MARGIN_TOP
        y = top
        c.fill(BLACK)
        for text, font, size in self._emisor_lines():
            y -= size * LEADING
            c.font(font, size)
            c.text(MARGIN_X, y + size * (LEADING - 1), text)
        # recuadro
        x = MARGIN_X + self.content_w - RECUADRO_W
        c.stroke(RED)
        c.fill(RED)
        c.line_width(RECUADRO_LINE)
        c.rect(x, top - RECUADRO_H, RECUADRO_W, RECUADRO_H, stroke=True, fill=False)
        center = x + RECUADRO_W / 2
        name_size = 12.0
        name = self._wrap(printed.NOMBRES[d.tipo], f.bold, name_size, RECUADRO_W - 8 * MM, 2)
        if len(name) > 1:
            name_size = 10.5
            name = self._wrap(printed.NOMBRES[d.tipo], f.bold, name_size, RECUADRO_W - 6 * MM, 2)
        lines = [(f"R.U.T.: {d.rut_emisor}", 12.0), *((n, name_size) for n in name), (f"N° {d.folio}", 12.0)]
        block = sum(size * 1.45 for _, size in lines)
        y = top - (RECUADRO_H - block) / 2
        for text, size in lines:
            y -= size * 1.45
            c.font(f.bold, size)
            c.text(center, y + size * 0.35, text, "center")
        c.font(f.bold, 9)
        c.text(center, top - RECUADRO_H - 4.5 * MM, f"S.I.I. - {self.unidad}", "center")
        c.fill(BLACK)
        c.stroke(BLACK)

    def _draw_datos(self, c: drawing.Canvas, top: float) -> None:
        left, right = self._datos_layout()
        height = self.datos_h
        size = self.DATOS_SIZE
        c.stroke(BLACK)
        c.line_width(0.6)
        c.rect(MARGIN_X, top - height, self.content_w, height, stroke=True, fill=False)
        c.fill(BLACK)
        right_x = MARGIN_X + self.content_w * self.DATOS_SPLIT
        for rows, x in ((left, MARGIN_X + 3 * MM), (right, right_x)):
            label_w = self._label_w([k for k, _ in rows])
            y = top - 2.5 * MM
            for label, values in rows:
                for i, value in enumerate(values):
                    y -= size * LEADING
                    if i == 0:
                        c.font(self.f.bold, size)
                        c.text(x, y + 2, f"{label}:")
                    c.font(self.f.regular, size)
                    c.text(x + label_w, y + 2, value)


def lay_out(doc: printed.Printed, *, resolution: tuple[int, int], cedible: bool, unidad_sii: str | None,
            papel: Papel, backend: drawing.PdfBackend) -> drawing.Drawing:
    """The pages of ``doc`` as the SII's Manual de Muestras Impresas asks (v4.0 §1, summarised in
    ``shared/reference/sii.md`` §3 and §8), measured with ``backend``'s fonts.

    What each page carries (the manual's items):

    - the **recuadro** in the upper right corner, red (sii.md §8: black or red, never green), 7 × 3 cm with a
      0,7 mm line (inside the 5-8 × 1,5-4 cm usually quoted from the manual — unverified), with "R.U.T.:
      76.235.291-5", the document's name and "N° <folio>"; below it "S.I.I. - <unidad>", the SII office of the
      emisor's domicile (``unidad_sii``; without it the emisor's comuna, which names its unidad in most of the
      country: pass the real one for Santiago's direcciones regionales);
    - the emisor (razón social, giro, dirección, comuna, teléfono, correo) on the left;
    - page 1: fecha de emisión in Spanish, the receptor (on boletas only when it is not the anonymous
      66.666.666-6), forma de pago and vencimiento;
    - the detail (código, descripción, cantidad, precio, descuento, monto), repeated under its header on every
      page it spans; then the referencias (tipo, folio, fecha, código, razón);
    - last page, at the bottom: global discounts/surcharges and the totals on the right; the **timbre**
      (:mod:`shared.dte.timbre`) on the left, its left edge 2 cm from the paper's edge, and under it "Timbre
      Electrónico SII", "Res. <n> de <año>" (§1.5) and "Verifique documento: www.sii.cl";
    - ``cedible`` (facturas 33/34 only: the caller decides): the "CEDIBLE" copy with the acuse de recibo box of
      Ley 19.983 (nombre, R.U.T., fecha, recinto, firma and the legend of its art. 4 b) and 5 c));
    - "Hoja n de N" at the foot of every page. A long detail continues on further pages, each with the recuadro;
      totals and timbre go on the last one.

    Raises:
        UnprintableDocument: an unknown ``papel``, no unidad del SII, or a timbre that does not fit.
    """
    if papel not in PAGE_SIZES:
        raise errors.UnprintableDocument(f"papel {papel!r}: use carta o a4")
    return _Layout(doc, resolution, cedible, unidad_sii, papel, backend).draw()
