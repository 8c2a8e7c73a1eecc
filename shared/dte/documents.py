"""The DTE document model built from plain values: boleta (39), boleta exenta (41), factura (33), factura exenta
(34), nota de débito (56) and nota de crédito (61), and the notas that annul a document (:func:`nota_que_anula`).

Amounts (sii.md §1, ``shared.money``): boletas carry IVA-included prices and split the affected total as
``MntNeto = round(total / 1,19)``, ``IVA = total − MntNeto`` (4.200 → 3.529 + 671). Facturas and notas carry net
prices with ``IVA = round(MntNeto × 0,19)``, or — what a POS has — IVA-included prices flagged ``MntBruto = 1``
(``montos_brutos``), split like a boleta so that ``MntTotal`` is exactly what the customer paid. Exempt lines
(``IndExe = 1``) add to ``MntExe``; ``MntTotal = MntNeto + IVA + MntExe``. Each line's ``MontoItem`` is
``round(PrcItem × QtyItem) − DescuentoMonto``; a sale-wide discount is folded into the lines' discounts in the
same proportions ``shared.sale`` uses, so the document's totals are the sale's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import IntEnum
from typing import Final

from shared import errors as pos_errors
from shared import money
from shared import rut as rut_mod
from shared.dte import errors
from shared.dte.xmlcore import clean_text
from shared.events.returns import LineReturned, ReturnCompleted
from shared.events.sales import CustomerData, SaleCompleted
from shared.sale import allocate


class TipoDTE(IntEnum):
    FACTURA = 33
    FACTURA_EXENTA = 34
    BOLETA = 39
    BOLETA_EXENTA = 41
    NOTA_DEBITO = 56
    NOTA_CREDITO = 61

    @property
    def es_boleta(self) -> bool:
        return self in (TipoDTE.BOLETA, TipoDTE.BOLETA_EXENTA)

    @property
    def es_exento(self) -> bool:
        return self in (TipoDTE.FACTURA_EXENTA, TipoDTE.BOLETA_EXENTA)


class CodRef(IntEnum):
    """Why a nota references a document (Referencia/CodRef)."""

    ANULA = 1
    CORRIGE_TEXTO = 2
    CORRIGE_MONTOS = 3


TIPOS_NOTA_CREDITO: Final = frozenset({"60", "61"})
"""TpoDocRef of a nota de crédito (paper 60, electronic 61): what a nota de débito may annul (CodRef 1)."""
TIPOS_EXENTOS: Final = frozenset({"32", "34", "38", "41"})
"""TpoDocRef of an exempt factura or boleta (paper 32/38, electronic 34/41)."""
TIPOS_QUE_DEBITAN: Final = frozenset({"30", "32", "33", "34", "60", "61"})
"""TpoDocRef a nota de débito modifies: a factura (paper 30/32, electronic 33/34) it adds to, or a nota de crédito
it annuls or corrects (60/61)."""

RUT_ANONIMO: Final = "66666666-6"
"""The receptor of a boleta to an anonymous buyer (SII formato boletas)."""
RAZON_SOCIAL_ANONIMO: Final = "CONSUMIDOR FINAL"
"""RznSocRecep and the TED's RSR for an anonymous buyer (the TED requires a non-empty RSR)."""
RUT_SII: Final = "60803000-K"
"""RutReceptor of an envelope sent to the SII."""
MAX_LINEAS_DTE: Final = 60
MAX_LINEAS_BOLETA: Final = 1000
IND_SERVICIO_VENTAS: Final = 3
"""Boleta IndServicio 3: "boletas de venta y servicios"."""

def _rut(value: str, who: str) -> str:
    try:
        return rut_mod.parse(value).compact
    except pos_errors.InvalidRut as exc:
        raise errors.DocumentInvalid(f"RUT de {who}: {exc}") from None


@dataclass(frozen=True, slots=True)
class Emisor:
    """The issuing company. Facturas and notas need ``giro``, ``acteco`` (1-4 códigos de actividad),
    ``direccion`` and ``comuna``; boletas use ``sucursal_sii`` (CdgSIISucur) when the SII assigned one."""

    rut: str
    razon_social: str
    giro: str
    direccion: str
    comuna: str
    acteco: tuple[int, ...] = ()
    ciudad: str = ""
    sucursal_sii: int | None = None
    telefono: str = ""
    correo: str = ""


@dataclass(frozen=True, slots=True)
class Receptor:
    """The buyer. Facturas need razón social, giro, dirección and comuna; boletas default to the anonymous
    buyer."""

    rut: str
    razon_social: str = ""
    giro: str = ""
    direccion: str = ""
    comuna: str = ""
    ciudad: str = ""
    contacto: str = ""
    correo: str = ""


RECEPTOR_ANONIMO: Final = Receptor(rut=RUT_ANONIMO, razon_social=RAZON_SOCIAL_ANONIMO)


@dataclass(frozen=True, slots=True)
class Linea:
    """A Detalle line: ``precio`` per unit (IVA included on boletas and with ``montos_brutos``), ``monto`` the
    MontoItem ``round(precio × cantidad) − descuento``."""

    nombre: str
    cantidad: Decimal
    precio: Decimal
    monto: int
    exento: bool = False
    descuento: int = 0
    codigo: str = ""
    unidad: str = ""
    descuento_pct: Decimal | None = None
    """DescuentoPct: the percentage ``descuento`` comes from, when the discount was given as one (printed too)."""


@dataclass(frozen=True, slots=True)
class Referencia:
    """A referenced document: ``tipo_documento`` is the SII code as text ("33", "39", "SET", "801"…).

    ``codigo_boleta`` is a boleta's CodRef, free text (EnvioBOLETA_v11: up to 18 characters, no FchRef): the only
    reference this model puts on a boleta is the certification set's (CodRef "SET", RazonRef "CASO-1")."""

    tipo_documento: str
    folio: str
    fecha: date
    codigo: CodRef | None = None
    razon: str = ""
    codigo_boleta: str = ""


@dataclass(frozen=True, slots=True)
class DescuentoGlobal:
    """A global discount on the affected lines (DscRcgGlobal, TpoMov D, TpoValor $): ``monto`` pesos off the
    affected amount before IVA (``porcentaje`` is what the glosa says it came from; SII Formato DTE)."""

    monto: int
    glosa: str = ""
    porcentaje: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Totales:
    neto: int
    iva: int
    exento: int
    total: int
    tasa_iva: Decimal = Decimal(19)


@dataclass(frozen=True, slots=True)
class Documento:
    """A tax document ready to stamp and render. Build it with :func:`documento` (or the ``*_desde_venta``
    helpers), which computes the totals and checks the SII's rules."""

    tipo: TipoDTE
    folio: int
    fecha_emision: date
    emisor: Emisor
    receptor: Receptor
    lineas: tuple[Linea, ...]
    totales: Totales
    referencias: tuple[Referencia, ...] = ()
    montos_brutos: bool = False
    forma_pago: int | None = None
    ind_servicio: int = IND_SERVICIO_VENTAS
    descuento_global: DescuentoGlobal | None = None

    @property
    def id(self) -> str:
        """The ``Documento/@ID`` (an XML NCName): ``T39F1234``."""
        return f"T{int(self.tipo)}F{self.folio}"


def calcular_totales(tipo: TipoDTE, lineas: tuple[Linea, ...], *, montos_brutos: bool,
                     descuento_global: int = 0) -> Totales:
    """The Totales of ``lineas`` for a document of ``tipo`` (see the module doc for the rules); a
    ``descuento_global`` (pesos, DscRcgGlobal on the affected lines) comes off the affected amount first."""
    afecto = sum(x.monto for x in lineas if not x.exento) - descuento_global
    exento = sum(x.monto for x in lineas if x.exento)
    if tipo.es_boleta or montos_brutos:
        split = money.split_iva(afecto, exento)
        return Totales(neto=split.neto, iva=split.iva, exento=exento, total=afecto + exento)
    iva = money.iva_of_neto(afecto)
    return Totales(neto=afecto, iva=iva, exento=exento, total=afecto + iva + exento)


def _check(doc: Documento) -> None:
    tipo = doc.tipo
    if not 0 < doc.folio < 10**10:
        raise errors.DocumentInvalid(f"folio {doc.folio} fuera de rango")
    if not doc.emisor.razon_social:
        raise errors.DocumentInvalid("falta la razón social del emisor")
    if not tipo.es_boleta:
        missing = [n for n, v in (("giro", doc.emisor.giro), ("dirección", doc.emisor.direccion),
                                  ("comuna", doc.emisor.comuna)) if not v]
        if missing or not 1 <= len(doc.emisor.acteco) <= 4:
            raise errors.DocumentInvalid("al emisor le falta " + ", ".join(missing or ["Acteco (1 a 4 códigos)"]))
        if not doc.receptor.razon_social:
            raise errors.DocumentInvalid("falta la razón social del receptor")
    if tipo in (TipoDTE.FACTURA, TipoDTE.FACTURA_EXENTA):
        if doc.receptor.rut == RUT_ANONIMO:
            raise errors.DocumentInvalid("una factura necesita el RUT real del receptor")
        missing = [n for n, v in (("giro", doc.receptor.giro), ("dirección", doc.receptor.direccion),
                                  ("comuna", doc.receptor.comuna)) if not v]
        if missing:
            raise errors.DocumentInvalid("al receptor le falta " + ", ".join(missing))
    limit = MAX_LINEAS_BOLETA if tipo.es_boleta else MAX_LINEAS_DTE
    if not 1 <= len(doc.lineas) <= limit:
        raise errors.DocumentInvalid(f"un documento {int(tipo)} lleva de 1 a {limit} líneas, no {len(doc.lineas)}")
    for n, line in enumerate(doc.lineas, 1):
        if not line.nombre:
            raise errors.DocumentInvalid(f"la línea {n} no tiene nombre")
        if line.monto < 0 or line.descuento < 0 or line.cantidad < 0 or line.precio < 0:
            raise errors.DocumentInvalid(f"la línea {n} tiene montos negativos")
        if line.precio and line.cantidad and money.round_half_up(line.precio * line.cantidad) - line.descuento \
                != line.monto:
            raise errors.DocumentInvalid(f"la línea {n}: {line.precio} × {line.cantidad} − {line.descuento} "
                                         f"no es {line.monto}")
    if tipo.es_exento and not all(x.exento for x in doc.lineas):
        raise errors.DocumentInvalid(f"un documento exento ({int(tipo)}) solo lleva líneas exentas")
    if tipo in (TipoDTE.BOLETA, TipoDTE.FACTURA) and all(x.exento for x in doc.lineas):
        exento = TipoDTE.BOLETA_EXENTA if tipo is TipoDTE.BOLETA else TipoDTE.FACTURA_EXENTA
        raise errors.DocumentInvalid(f"todas las líneas son exentas: corresponde el tipo {int(exento)}")
    if tipo in (TipoDTE.NOTA_CREDITO, TipoDTE.NOTA_DEBITO) and not doc.referencias:
        raise errors.DocumentInvalid("una nota de crédito o débito debe referenciar el documento que modifica")
    if tipo is TipoDTE.NOTA_DEBITO:
        _check_debito(doc)
    if tipo.es_boleta and any(not r.codigo_boleta for r in doc.referencias):
        raise errors.DocumentInvalid("este modelo no emite boletas con referencias (salvo la del set de certificación)")
    dg = doc.descuento_global
    if dg is not None and not 0 < dg.monto <= sum(x.monto for x in doc.lineas if not x.exento):
        raise errors.DocumentInvalid(f"el descuento global ({dg.monto}) debe ser positivo y no mayor que el monto"
                                     " afecto de las líneas")
    if len(doc.referencias) > 40:
        raise errors.DocumentInvalid("máximo 40 referencias")
    expected = calcular_totales(tipo, doc.lineas, montos_brutos=doc.montos_brutos,
                                descuento_global=0 if dg is None else dg.monto)
    if doc.totales != expected:
        raise errors.DocumentInvalid(f"los totales {doc.totales} no corresponden a las líneas ({expected})")


def _check_debito(doc: Documento) -> None:
    """A nota de débito's references (SII Formato DTE, Referencia; Instructivo de emisión: a nota de débito
    annuls only a nota de crédito, CodRef 1)."""
    modifica = [r for r in doc.referencias if r.codigo is not None]
    if not modifica:
        raise errors.DocumentInvalid("una nota de débito indica en su referencia qué hace con el documento que "
                                     "modifica (CodRef 1 anula, 2 corrige texto, 3 corrige montos)")
    for ref in modifica:
        if ref.codigo is CodRef.ANULA and ref.tipo_documento not in TIPOS_NOTA_CREDITO:
            raise errors.DocumentInvalid(f"una nota de débito solo anula una nota de crédito, no un documento tipo "
                                         f"{ref.tipo_documento}: una factura se anula con una nota de crédito")
        if ref.tipo_documento in TIPOS_EXENTOS and not all(x.exento for x in doc.lineas):
            raise errors.DocumentInvalid(f"la nota de débito modifica un documento exento ({ref.tipo_documento}): "
                                         "todas sus líneas son exentas")
    if any(r.codigo is CodRef.CORRIGE_MONTOS for r in modifica) and doc.totales.total <= 0:
        raise errors.DocumentInvalid("una nota de débito que corrige montos suma algo: ingrese el monto de cada "
                                     "línea")


def documento(tipo: TipoDTE | int, *, folio: int, fecha_emision: date, emisor: Emisor,
              lineas: tuple[Linea, ...] | list[Linea], receptor: Receptor | None = None,
              referencias: tuple[Referencia, ...] | list[Referencia] = (), montos_brutos: bool = False,
              forma_pago: int | None = None, descuento_global: DescuentoGlobal | None = None) -> Documento:
    """Build and check a document; texts are cleaned with :func:`clean_text`, RUTs normalised.

    Args:
        receptor: required for facturas and notas; boletas default to :data:`RECEPTOR_ANONIMO`.
        montos_brutos: line prices include IVA (MntBruto = 1); always so on boletas.
        forma_pago: FmaPago of facturas/notas (1 contado, 2 crédito, 3 sin costo).
        descuento_global: a discount on the affected lines as a whole (DscRcgGlobal).

    Raises:
        DocumentInvalid: with the first rule broken.
    """
    tipo = TipoDTE(tipo)
    if receptor is None:
        if not tipo.es_boleta:
            raise errors.DocumentInvalid("falta el receptor")
        receptor = RECEPTOR_ANONIMO
    emisor = replace(emisor, rut=_rut(emisor.rut, "emisor"), razon_social=clean_text(emisor.razon_social),
                     giro=clean_text(emisor.giro), direccion=clean_text(emisor.direccion),
                     comuna=clean_text(emisor.comuna), ciudad=clean_text(emisor.ciudad),
                     telefono=clean_text(emisor.telefono), correo=clean_text(emisor.correo))
    receptor = replace(receptor, rut=_rut(receptor.rut, "receptor"),
                       razon_social=clean_text(receptor.razon_social) or
                       (RAZON_SOCIAL_ANONIMO if receptor.rut == RUT_ANONIMO else ""),
                       giro=clean_text(receptor.giro), direccion=clean_text(receptor.direccion),
                       comuna=clean_text(receptor.comuna), ciudad=clean_text(receptor.ciudad),
                       contacto=clean_text(receptor.contacto), correo=clean_text(receptor.correo))
    clean_lines = tuple(replace(x, nombre=clean_text(x.nombre), codigo=clean_text(x.codigo),
                                unidad=clean_text(x.unidad)) for x in lineas)
    clean_refs = tuple(replace(r, tipo_documento=clean_text(r.tipo_documento), folio=clean_text(r.folio),
                               razon=clean_text(r.razon), codigo_boleta=clean_text(r.codigo_boleta))
                       for r in referencias)
    brutos = montos_brutos and not tipo.es_boleta
    if descuento_global is not None:
        descuento_global = replace(descuento_global, glosa=clean_text(descuento_global.glosa))
    off = 0 if descuento_global is None else descuento_global.monto
    doc = Documento(tipo=tipo, folio=folio, fecha_emision=fecha_emision, emisor=emisor, receptor=receptor,
                    lineas=clean_lines,
                    totales=calcular_totales(tipo, clean_lines, montos_brutos=brutos, descuento_global=off),
                    referencias=clean_refs, montos_brutos=brutos,
                    forma_pago=None if tipo.es_boleta else forma_pago, descuento_global=descuento_global)
    _check(doc)
    return doc


FORMA_PAGO_CONTADO: Final = 1
FORMA_PAGO_CREDITO: Final = 2


def lineas_desde_venta(venta: SaleCompleted) -> tuple[Linea, ...]:
    """The sale's lines at IVA-included prices, the sale-wide discount folded into each line's discount."""
    shares = allocate(venta.discount, [x.amount for x in venta.lines])
    return tuple(
        Linea(nombre=x.name, cantidad=x.quantity, precio=Decimal(x.unit_price), monto=x.amount - share,
              exento=x.iva_exempt, descuento=x.discount + share, codigo=x.code or x.sku,
              unidad="KG" if x.sold_by == "kg" else "")
        for x, share in zip(venta.lines, shares, strict=True))


def _matches_sale(doc: Documento, venta: SaleCompleted) -> Documento:
    t = doc.totales
    if (t.neto, t.iva, t.exento, t.total) != (venta.neto, venta.iva, venta.exento, venta.total):
        raise errors.DocumentInvalid(f"los totales del documento ({t.neto}+{t.iva}+{t.exento}={t.total}) no son "
                                     f"los de la venta ({venta.neto}+{venta.iva}+{venta.exento}={venta.total})")
    return doc


def boleta_desde_venta(venta: SaleCompleted, *, folio: int, fecha_emision: date, emisor: Emisor,
                       receptor: Receptor | None = None) -> Documento:
    """The boleta of a sale: 41 (exenta) when every line is exempt, else 39.

    Raises:
        DocumentInvalid: the document's totals differ from the sale's, or another rule is broken.
    """
    lineas = lineas_desde_venta(venta)
    tipo = TipoDTE.BOLETA_EXENTA if all(x.exento for x in lineas) else TipoDTE.BOLETA
    return _matches_sale(documento(tipo, folio=folio, fecha_emision=fecha_emision, emisor=emisor,
                                   receptor=receptor, lineas=lineas), venta)


def factura_desde_venta(venta: SaleCompleted, *, folio: int, fecha_emision: date, emisor: Emisor,
                        receptor: Receptor, forma_pago: int | None = None) -> Documento:
    """The factura of a sale at its IVA-included prices (MntBruto = 1): 34 when every line is exempt, else 33.
    ``forma_pago`` (FmaPago) defaults to 2 (crédito) when part of the sale went on the customer's fiado
    (``venta.fiado``), else 1 (contado).

    Raises:
        DocumentInvalid: as :func:`boleta_desde_venta`, or the receptor lacks what a factura needs.
    """
    lineas = lineas_desde_venta(venta)
    tipo = TipoDTE.FACTURA_EXENTA if all(x.exento for x in lineas) else TipoDTE.FACTURA
    return _matches_sale(documento(tipo, folio=folio, fecha_emision=fecha_emision, emisor=emisor,
                                   receptor=receptor, lineas=lineas, montos_brutos=True,
                                   forma_pago=forma_pago or forma_pago_de(venta)), venta)


def forma_pago_de(venta: SaleCompleted) -> int:
    """FmaPago of a sale's factura (Formato DTE: 1 contado, 2 crédito): crédito when any of it went on fiado."""
    return FORMA_PAGO_CREDITO if venta.fiado is not None else FORMA_PAGO_CONTADO


def nota_credito(*, folio: int, fecha_emision: date, emisor: Emisor, receptor: Receptor,
                 lineas: tuple[Linea, ...] | list[Linea], referencia: Referencia,
                 montos_brutos: bool = True) -> Documento:
    """A nota de crédito (61) for ``lineas`` (the returned goods, or one zero line for "corrige texto")
    referencing the original document.

    Raises:
        DocumentInvalid: a rule is broken.
    """
    return documento(TipoDTE.NOTA_CREDITO, folio=folio, fecha_emision=fecha_emision, emisor=emisor,
                     receptor=receptor, lineas=lineas, referencias=(referencia,), montos_brutos=montos_brutos,
                     forma_pago=None)


def nota_debito(*, folio: int, fecha_emision: date, emisor: Emisor, receptor: Receptor,
                lineas: tuple[Linea, ...] | list[Linea], referencia: Referencia, montos_brutos: bool = False,
                forma_pago: int | None = None) -> Documento:
    """A nota de débito (56) for ``lineas`` (what is charged: a price difference, interest, freight; build a charge
    with :func:`linea_cargo`) referencing the document it modifies: a factura with CodRef 3 "corrige montos", or a
    nota de crédito it annuls with CodRef 1 (:func:`nota_que_anula`). Prices are net (IVA added on the neto) unless
    ``montos_brutos`` (IVA included, MntBruto = 1, split as the factura of a sale).

    Raises:
        DocumentInvalid: a rule is broken: no CodRef in the reference, CodRef 1 on something other than a nota de
            crédito, an affected line against an exempt document, a CodRef 3 that adds nothing, or the document
            rules of :func:`documento`.
    """
    if referencia.tipo_documento not in TIPOS_QUE_DEBITAN:
        raise errors.DocumentInvalid(f"una nota de débito modifica una factura o una nota de crédito, no un documento"
                                     f" tipo {referencia.tipo_documento}")
    return documento(TipoDTE.NOTA_DEBITO, folio=folio, fecha_emision=fecha_emision, emisor=emisor,
                     receptor=receptor, lineas=lineas, referencias=(referencia,), montos_brutos=montos_brutos,
                     forma_pago=forma_pago)


def linea_cargo(nombre: str, monto: int, *, exento: bool = False, codigo: str = "") -> Linea:
    """One charge of a nota de débito: quantity 1 at ``monto`` pesos (net, or IVA included on a nota with
    ``montos_brutos``).

    Raises:
        DocumentInvalid: ``monto`` is not a positive whole number of pesos.
    """
    if isinstance(monto, bool) or not isinstance(monto, int) or monto <= 0:
        raise errors.DocumentInvalid(f"el monto de «{nombre}» debe ser un número de pesos mayor que cero")
    return Linea(nombre=nombre, cantidad=Decimal(1), precio=Decimal(monto), monto=monto, exento=exento,
                 codigo=codigo)


RAZON_ANULA: Final = "Anula documento"
"""RazonRef of an annulling nota when none is given."""


def nota_que_anula(original: Documento, *, folio: int, fecha_emision: date, razon: str = "") -> Documento:
    """The nota that annuls ``original`` (CodRef 1, SII Formato DTE): a nota de débito (56) for a nota de crédito
    (61), a nota de crédito (61) for any other document (a factura, a boleta, a nota de débito). It carries the
    original's lines, receptor and way of stating prices, so its totals are the original's; the emisor is the
    original's. ``razon`` is RazonRef (up to 90 characters; :data:`RAZON_ANULA` when empty).

    Raises:
        DocumentInvalid: the original cannot be annulled by a nota (more lines than a nota carries), or another
            rule is broken.
    """
    tipo = TipoDTE.NOTA_DEBITO if original.tipo is TipoDTE.NOTA_CREDITO else TipoDTE.NOTA_CREDITO
    referencia = Referencia(str(int(original.tipo)), str(original.folio), original.fecha_emision, CodRef.ANULA,
                            (" ".join(razon.split()) or RAZON_ANULA)[:90])
    receptor = original.receptor
    return documento(tipo, folio=folio, fecha_emision=fecha_emision, emisor=original.emisor, receptor=receptor,
                     lineas=original.lineas, referencias=(referencia,), montos_brutos=original.montos_brutos,
                     forma_pago=original.forma_pago)


RAZON_DEVOLUCION: Final = "Devolución"
"""RazonRef of a return's nota de crédito when the cashier typed no reason."""


def receptor_desde_cliente(cliente: CustomerData) -> Receptor:
    """The Receptor of a factura (or of its nota de crédito) from the buyer typed at the till."""
    return Receptor(rut=cliente.rut, razon_social=cliente.razon_social, giro=cliente.giro,
                    direccion=cliente.direccion, comuna=cliente.comuna)


def linea_acreditada(line: LineReturned) -> Linea:
    """A returned line at what is credited for it (IVA included): at its list price with the rest of
    ``round(precio × cantidad)`` as DescuentoMonto; when the credit is above that (the proportional share of a
    weighed line can round a peso up), at the unit price that gives it, so that MontoItem = PrcItem × QtyItem holds
    without a negative discount (SII Formato DTE: PrcItem up to 6 decimals, Dec12_6Type)."""
    lista = money.round_half_up(Decimal(line.unit_price) * line.quantity)
    precio, descuento = Decimal(line.unit_price), lista - line.amount
    if descuento < 0 and line.quantity > 0:
        precio, descuento = (Decimal(line.amount) / line.quantity).quantize(Decimal("0.000001")), 0
    return Linea(nombre=line.name, cantidad=line.quantity, precio=precio, monto=line.amount, exento=line.iva_exempt,
                 descuento=descuento, codigo=line.sku, unidad="KG" if line.sold_by == "kg" else "")


def lineas_desde_devolucion(devolucion: ReturnCompleted) -> tuple[Linea, ...]:
    """The returned lines at what the customer paid for them (:func:`linea_acreditada`)."""
    return tuple(linea_acreditada(x) for x in devolucion.lines)


def nota_credito_desde_devolucion(devolucion: ReturnCompleted, *, folio: int, fecha_emision: date, emisor: Emisor,
                                  receptor: Receptor, fecha_original: date) -> Documento:
    """The nota de crédito (61) of a return: the returned lines, referencing the original document
    (``original_tipo``/``original_folio``, issued on ``fecha_original``) with CodRef 1 "anula" for a full return
    and 3 "corrige montos" for a partial one (SII Formato DTE, Referencia/CodRef); RazonRef is the return's reason.

    Raises:
        DocumentInvalid: the nota's totals differ from the return's, or another rule is broken.
    """
    codigo = CodRef.ANULA if devolucion.full else CodRef.CORRIGE_MONTOS
    referencia = Referencia(str(devolucion.original_tipo), str(devolucion.original_folio), fecha_original, codigo,
                            (devolucion.reason.strip() or RAZON_DEVOLUCION)[:90])
    doc = nota_credito(folio=folio, fecha_emision=fecha_emision, emisor=emisor, receptor=receptor,
                       lineas=lineas_desde_devolucion(devolucion), referencia=referencia)
    t = doc.totales
    if (t.neto, t.iva, t.exento, t.total) != (devolucion.neto, devolucion.iva, devolucion.exento, devolucion.total):
        raise errors.DocumentInvalid(f"los totales de la nota ({t.neto}+{t.iva}+{t.exento}={t.total}) no son los de la "
                                     f"devolución ({devolucion.neto}+{devolucion.iva}+{devolucion.exento}="
                                     f"{devolucion.total})")
    return doc
