"""Reading the SII's certification test set (the text file of cases the SII hands each applicant): its sets, their
numbered cases, items, discounts and the references between cases. The layout it reads: docs/certification.md.

Pure: text in, :class:`ArchivoSet` out; anything it does not understand in a set it builds is a
:class:`TestSetError` naming the line, since a document that differs from its case is a sure rejection.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Final

from shared import errors as pos_errors

DOCUMENTOS: Final = {
    "FACTURA ELECTRONICA": 33,
    "FACTURA NO AFECTA O EXENTA ELECTRONICA": 34,
    "FACTURA EXENTA ELECTRONICA": 34,
    "NOTA DE CREDITO ELECTRONICA": 61,
    "NOTA DE DEBITO ELECTRONICA": 56,
    "BOLETA ELECTRONICA": 39,
    "BOLETA AFECTA ELECTRONICA": 39,
    "BOLETA NO AFECTA O EXENTA ELECTRONICA": 41,
    "BOLETA EXENTA ELECTRONICA": 41,
}
"""The DOCUMENTO names of the sets this system builds (upper case, no accents) and their TipoDTE."""
NOTAS: Final = frozenset({56, 61})
BOLETAS: Final = frozenset({39, 41})
COLUMNAS: Final = {"CANTIDAD": "cantidad", "PRECIO UNITARIO": "precio", "PRECIO": "precio", "VALOR UNITARIO": "precio",
                   "DESCUENTO ITEM": "descuento", "DESCUENTO": "descuento", "UNIDAD MEDIDA": "unidad",
                   "UNIDAD DE MEDIDA": "unidad"}
"""Item table headers (after ITEM) and what each column holds."""

_SET_HEADER = re.compile(r"^\s*(SET\s.+?)\s+-\s+N.MERO\s+DE\s+ATENCI.N\s*:?\s*(\d+)\s*$", re.IGNORECASE)
_CASO = re.compile(r"^\s*(CASO)(?:\s+|\s*-\s*)(\d+(?:-\d+)?)\s*$", re.IGNORECASE)
_REF_CASO = re.compile(r"CASO(?:\s+|\s*-\s*)(\d+(?:-\d+)?)")
_GLOBAL = re.compile(r"^DESCUENTO GLOBAL ITEM(?:E)?S AFECTOS\s+(.+)$")
_PCT = re.compile(r"^(\d+(?:[.,]\d+)?)\s*%$")
_INSTRUCCION = re.compile(r"^(EL|LOS) PRECIOS? UNITARIOS? ")
"""An instruction line some sets carry under a table (not an item)."""
_NUM = re.compile(r"^\d+(?:[.,]\d+)?$")


class TestSetError(pos_errors.PosError):
    """The test set cannot be read; the message (Spanish) names the line and what is wrong with it."""

    __test__ = False  # not a pytest class


@dataclass(frozen=True, slots=True)
class Item:
    """One item of a case as the set writes it; ``None`` where the set leaves the value to the referenced document
    (a return's price)."""

    nombre: str
    cantidad: Decimal | None
    precio: Decimal | None
    descuento_pct: Decimal | None
    unidad: str
    exento: bool
    linea: int


@dataclass(frozen=True, slots=True)
class Caso:
    """A numbered case: ``rotulo`` as written ("CASO 4352553-1", "CASO-1"), ``numero`` ("4352553-1", "1"),
    ``tipo`` the TipoDTE; a nota's ``referencia`` is the number of the case it modifies and ``razon`` why."""

    numero: str
    rotulo: str
    tipo: int
    items: tuple[Item, ...]
    linea: int
    descuento_global_pct: Decimal | None = None
    referencia: str | None = None
    razon: str = ""


@dataclass(frozen=True, slots=True)
class SetPruebas:
    """A set of the file ("SET BASICO") with its attention number and cases in the file's order."""

    nombre: str
    atencion: str
    casos: tuple[Caso, ...]
    linea: int

    @property
    def boletas(self) -> bool:
        return all(c.tipo in BOLETAS for c in self.casos)


@dataclass(frozen=True, slots=True)
class Omitido:
    """A set of the file this system does not build (``motivo`` in Spanish)."""

    nombre: str
    atencion: str
    motivo: str


@dataclass(frozen=True, slots=True)
class ArchivoSet:
    sets: tuple[SetPruebas, ...]
    omitidos: tuple[Omitido, ...] = field(default=())


def clave(text: str) -> str:
    """Upper case without accents, single spaces: how labels of the file are recognised."""
    plain = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return " ".join(plain.split()).upper()


def _cells(line: str) -> list[str]:
    """A table row's cells: split on tabs (the SII's files), else on runs of two or more spaces (a copy)."""
    parts = line.split("\t") if "\t" in line else re.split(r" {2,}", line)
    return [p.strip() for p in parts if p.strip()]


def _number(value: str, what: str, n: int) -> Decimal:
    text = value.strip().replace(",", ".")
    if not _NUM.match(text):
        raise TestSetError(f"línea {n}: {what} «{value}» no es un número")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise TestSetError(f"línea {n}: {what} «{value}» no es un número") from None


def _percent(value: str, what: str, n: int) -> Decimal:
    match = _PCT.match(value.strip())
    if not match:
        raise TestSetError(f"línea {n}: {what} «{value}» no es un porcentaje (p. ej. 4%)")
    pct = Decimal(match.group(1).replace(",", "."))
    if not 0 < pct < 100:
        raise TestSetError(f"línea {n}: {what} {value} fuera de rango (más de 0% y menos de 100%)")
    return pct


def parse(text: str) -> ArchivoSet:
    """Read the set file's text (decoded: the SII's files are ISO-8859-1, see :func:`decode`).

    Raises:
        TestSetError: no set in the text, or a line of a buildable set that is not understood (the message names
            the line), a case without items or a nota without its reference.
    """
    if "\ufffd" in text:
        n = next(i for i, line in enumerate(text.splitlines(), 1) if "\ufffd" in line)
        raise TestSetError(f"línea {n}: hay caracteres ilegibles (una tilde o eñe perdida al copiar): use el archivo "
                           "tal como lo descargó del SII")
    blocks: list[tuple[str, str, int, list[tuple[int, str]]]] = []
    for n, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        header = _SET_HEADER.match(raw)
        if header:
            blocks.append((clave(header.group(1)), header.group(2), n, []))
        elif blocks:
            blocks[-1][3].append((n, raw))
        elif raw.strip():
            raise TestSetError(f"línea {n}: se esperaba el encabezado «SET … - NUMERO DE ATENCION: …», no «"
                               f"{raw.strip()[:60]}»")
    if not blocks:
        raise TestSetError("el archivo no trae ningún set («SET … - NUMERO DE ATENCION: …»): use el archivo del set "
                           "de pruebas tal como lo descargó del SII")
    sets: list[SetPruebas] = []
    omitidos: list[Omitido] = []
    for nombre, atencion, n, lines in blocks:
        motivo = _not_built(nombre)
        if motivo is None:
            cases = _split_cases(lines)
            names = [_documento(case_lines) for _, _, _, case_lines in cases]
            unknown = [d for d in names if d and d not in DOCUMENTOS]
            if unknown:
                motivo = f"documentos que este sistema no emite ({', '.join(sorted(set(unknown)))})"
            elif not cases:
                raise TestSetError(f"línea {n}: el {nombre} no trae casos («CASO …»)")
        if motivo is not None:
            omitidos.append(Omitido(nombre, atencion, motivo))
            continue
        default = 39 if "BOLETA" in nombre else None
        casos = tuple(_caso(numero, rotulo, at, case_lines, default) for numero, rotulo, at, case_lines in cases)
        _check_references(nombre, casos)
        sets.append(SetPruebas(nombre, atencion, casos, n))
    return ArchivoSet(tuple(sets), tuple(omitidos))


def decode(data: bytes) -> str:
    """The text of a set file: UTF-8 when it is valid UTF-8, else ISO-8859-1 (what the SII's downloads are)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("iso-8859-1")


def _not_built(nombre: str) -> str | None:
    if "LIBRO" in nombre:
        return "libro (IECV): este sistema no arma los libros del set; súbalos desde el sistema contable"
    if "GUIA" in nombre:
        return "guías de despacho (52): este sistema no las emite"
    if "EXPORTACION" in nombre:
        return "documentos de exportación (110, 111, 112): este sistema no los emite"
    if "COMPRA" in nombre:
        return "facturas de compra (46): este sistema no las emite"
    return None


def _split_cases(lines: list[tuple[int, str]]) -> list[tuple[str, str, int, list[tuple[int, str]]]]:
    cases: list[tuple[str, str, int, list[tuple[int, str]]]] = []
    for n, raw in lines:
        match = _CASO.match(raw)
        if match:
            rotulo = f"CASO {match.group(2)}" if "-" in match.group(2) else f"CASO-{match.group(2)}"
            cases.append((match.group(2), rotulo, n, []))
        elif cases:
            cases[-1][3].append((n, raw))
        elif raw.strip() and not re.fullmatch(r"[=\-\s]*", raw):
            raise TestSetError(f"línea {n}: se esperaba «CASO …» antes de «{raw.strip()[:60]}»")
    return cases


def _documento(lines: list[tuple[int, str]]) -> str:
    for _, raw in lines:
        k = clave(raw)
        if k.startswith("DOCUMENTO"):
            return k.removeprefix("DOCUMENTO").strip(" :")
    return ""


def _caso(numero: str, rotulo: str, at: int, lines: list[tuple[int, str]], default: int | None) -> Caso:
    doc_name = _documento(lines)
    tipo = DOCUMENTOS.get(doc_name, default) if doc_name else default
    if tipo is None:
        raise TestSetError(f"línea {at}: el {rotulo} no dice qué documento es (línea «DOCUMENTO …»)")
    columns: list[str] | None = None
    items: list[Item] = []
    referencia: str | None = None
    razon = ""
    global_pct: Decimal | None = None
    for n, raw in lines:
        k = clave(raw)
        if not k or re.fullmatch(r"[=\-]+", k):
            if not k:
                columns = None
            continue
        if k.startswith("DOCUMENTO") or _INSTRUCCION.match(k):
            continue
        if k.startswith("RAZON REFERENCIA"):
            razon = " ".join(re.sub(r"^\s*RAZ[OÓ]N\s+REFERENCIA\s*:?", "", raw, flags=re.IGNORECASE).split())
            continue
        if k.startswith("REFERENCIA"):
            ref = _REF_CASO.search(k)
            if ref is None:
                raise TestSetError(f"línea {n}: la referencia no nombra el caso que modifica («… CORRESPONDIENTE A "
                                   f"CASO N-M»): «{raw.strip()[:70]}»")
            referencia = ref.group(1)
            continue
        glob = _GLOBAL.match(k)
        if glob:
            global_pct = _percent(glob.group(1), "el descuento global", n)
            continue
        if k.startswith("ITEM") and any(c in k for c in ("CANTIDAD", "PRECIO", "VALOR")):
            names = [clave(c) for c in _cells(raw)][1:]
            bad = [c for c in names if c not in COLUMNAS]
            if bad:
                raise TestSetError(f"línea {n}: columna desconocida «{bad[0]}» (se conocen: "
                                   f"{', '.join(sorted(COLUMNAS))})")
            columns = [COLUMNAS[c] for c in names]
            continue
        if columns is None:
            raise TestSetError(f"línea {n}: no se entiende «{raw.strip()[:70]}» en el {rotulo}")
        items.append(_item(raw, columns, tipo, n))
    if tipo in NOTAS:
        if referencia is None or not razon:
            raise TestSetError(f"línea {at}: el {rotulo} es una nota y no dice qué caso modifica (REFERENCIA) y por "
                               "qué (RAZON REFERENCIA)")
    elif not items:
        raise TestSetError(f"línea {at}: el {rotulo} no trae ítems")
    elif any(i.cantidad is None or i.precio is None for i in items):
        bad_item = next(i for i in items if i.cantidad is None or i.precio is None)
        raise TestSetError(f"línea {bad_item.linea}: al ítem «{bad_item.nombre}» le falta la cantidad o el precio")
    if len(items) > (1000 if tipo in BOLETAS else 60):
        raise TestSetError(f"línea {at}: el {rotulo} tiene {len(items)} ítems, más de los que lleva un documento")
    if tipo in BOLETAS and all(i.exento for i in items):
        tipo = 41
    return Caso(numero=numero, rotulo=rotulo, tipo=tipo, items=tuple(items), linea=at,
                descuento_global_pct=global_pct, referencia=referencia, razon=razon)


def _item(raw: str, columns: list[str], tipo: int, n: int) -> Item:
    cells = _cells(raw)
    if len(cells) - 1 > len(columns) or len(cells) < 2:
        raise TestSetError(f"línea {n}: el ítem «{raw.strip()[:60]}» no calza con las columnas "
                           f"({', '.join(columns)})")
    nombre = cells[0]
    values = _align(cells[1:], columns)
    if values is None:
        raise TestSetError(f"línea {n}: el ítem «{raw.strip()[:60]}» no calza con las columnas "
                           f"({', '.join(columns)})")
    cantidad = _number(values["cantidad"], "la cantidad", n) if "cantidad" in values else None
    precio = _number(values["precio"], "el precio", n) if "precio" in values else None
    pct = _percent(values["descuento"], "el descuento", n) if "descuento" in values else None
    if cantidad is not None and cantidad <= 0:
        raise TestSetError(f"línea {n}: la cantidad del ítem «{nombre}» debe ser mayor que cero")
    exento = tipo in (34, 41) or re.search(r"\bEXENT[OA]S?\b", clave(nombre)) is not None
    return Item(nombre=nombre, cantidad=cantidad, precio=precio, descuento_pct=pct,
                unidad=values.get("unidad", "").strip()[:4], exento=exento, linea=n)


def _align(cells: list[str], columns: list[str]) -> dict[str, str] | None:
    """The row's non-empty cells under their columns. The SII aligns its tables with a varying number of tabs, so
    an empty cell leaves no trace: an optional column (UNIDAD MEDIDA, DESCUENTO ITEM) whose cell is not of its kind
    (a number under UNIDAD, no % under DESCUENTO) is taken as empty when a later column can take the cell. None when
    cells are left over."""
    values: dict[str, str] = {}
    i = 0
    for k, column in enumerate(columns):
        if i >= len(cells):
            break
        cell = cells[i]
        later = columns[k + 1:]
        if column == "unidad" and _NUM.match(cell.replace(",", ".")) and any(c != "unidad" for c in later):
            continue
        if column == "descuento" and not _PCT.match(cell) and later:
            continue
        values[column] = cell
        i += 1
    return values if i == len(cells) else None


def _check_references(nombre: str, casos: tuple[Caso, ...]) -> None:
    seen: dict[str, Caso] = {}
    for caso in casos:
        if caso.numero in seen:
            raise TestSetError(f"línea {caso.linea}: el {caso.rotulo} está repetido en el {nombre}")
        if caso.referencia is not None:
            original = seen.get(caso.referencia)
            if original is None:
                raise TestSetError(f"línea {caso.linea}: el {caso.rotulo} modifica el caso {caso.referencia}, que no "
                                   f"está antes en el {nombre}")
            if caso.tipo in BOLETAS:
                raise TestSetError(f"línea {caso.linea}: una boleta no modifica otro documento")
        seen[caso.numero] = caso
