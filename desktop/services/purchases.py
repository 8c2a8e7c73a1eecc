"""Purchases from suppliers' signed DTEs (DESIGN.md §6): verify, preview, and register them at the store.

A file (one DTE, or an EnvioDTE; any encoding the SII uses, with or without its namespace) is read by
``shared.dte.verdict`` and every document in it must pass all of: XML signature, timbre (TED), the CAF's SII
signature, the SII schema and the totals; be a factura (33), factura exenta (34), nota de débito (56) or nota de
crédito (61); be addressed to this store's RUT (``[store] rut`` of terminal.toml); and not be registered already.
The file is registered whole or not at all: one refused document refuses the file, with every reason, and nothing
is journaled.

Lines are matched to the store's products and take a package factor as :mod:`desktop.services.purchase_matching`
says; before registering, the manager may assign a line by hand (:meth:`PurchaseService.assign`). Each document
becomes one ``purchase.received`` event, journaled (with the supervisor's ``auth.authorised`` when it came from the
till) in one unit of work with its projections: stock up in the chosen warehouse, PPP cost per SKU
(``shared.costing``), IVA crédito fiscal.

The back office also types in a paper document (factura, boleta, guía de despacho and their notas,
:data:`~shared.events.purchases.MANUAL_TIPOS`) by scanning its lines with their cost
(:meth:`PurchaseService.record_manual`), and gives goods back to a supplier
(:meth:`PurchaseService.return_to_supplier`); only an administrador does either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import rsa

from desktop.journal import inventory_queries, purchases_projection, read_models
from desktop.journal.sqlite_store import SqliteJournal
from desktop.services import inventory, suppliers
from desktop.services.auth import User
from desktop.services.purchase_matching import LineMatcher, MappingRefused, quantity_refusals
from shared import catalog, costing, errors, money
from shared import rut as rut_mod
from shared.dte import errors as dte_errors
from shared.dte import received, verdict, xmlcore
from shared.events import auth as auth_events
from shared.events import inventory as inventory_events
from shared.events import purchases as events
from shared.events import rules

TIPO_NAMES: Final = {33: "factura", 34: "factura exenta", 56: "nota de débito", 61: "nota de crédito",
                     39: "boleta", 41: "boleta exenta", 46: "factura de compra", 52: "guía de despacho",
                     30: "factura (papel)", 32: "factura exenta (papel)", 35: "boleta (papel)",
                     38: "boleta exenta (papel)", 50: "guía de despacho (papel)", 55: "nota de débito (papel)",
                     60: "nota de crédito (papel)"}
NOT_PURCHASES: Final = {
    39: "una boleta no da crédito fiscal: pida factura al proveedor",
    41: "una boleta exenta no da crédito fiscal: pida factura al proveedor",
    46: "una factura de compra (46) la emite el comprador, no el proveedor",
    52: "una guía de despacho no es una compra: registre la factura cuando llegue",
}


class PurchaseRefused(errors.PosError):
    """The file cannot be registered; ``reasons`` says why, in Spanish, one line per problem."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("compra rechazada: " + "; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True, slots=True)
class DocumentPreview:
    """One document of the file as it would be registered: ``event`` (without ``registered_by``) when it was
    readable, ``refusals`` (Spanish) when it cannot be registered, ``warnings`` that do not stop it.
    ``inherited`` maps the ``line_no`` of each line whose package factor was taken from an earlier registration
    (:meth:`PurchaseService.preview`) to that document (``factura N° 9``); a hand assignment removes it."""

    label: str
    event: events.PurchaseReceived | None
    refusals: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    checks: Mapping[str, Any] = field(default_factory=dict)
    inherited: Mapping[int, str] = field(default_factory=dict)

    @property
    def matched(self) -> int:
        return 0 if self.event is None else sum(1 for x in self.event.lines if x.sku is not None)

    @property
    def unmatched(self) -> list[events.PurchaseLine]:
        return [] if self.event is None else [x for x in self.event.lines if x.sku is None]


@dataclass(frozen=True, slots=True)
class Preview:
    """What a file would register. ``error`` refuses the whole file (unreadable, hostile, not an EnvioDTE/DTE,
    envelope signature); otherwise each document has its own refusals."""

    kind: str
    documents: tuple[DocumentPreview, ...] = ()
    error: str = ""
    warehouse: str = ""

    @property
    def refusals(self) -> list[str]:
        out = [self.error] if self.error else []
        for d in self.documents:
            out += [f"{d.label}: {r}" for r in d.refusals]
        return out

    @property
    def importable(self) -> bool:
        return not self.refusals and bool(self.documents)

    @property
    def events(self) -> list[events.PurchaseReceived]:
        return [d.event for d in self.documents if d.event is not None]


def document_label(tipo: int | None, folio: int | None) -> str:
    """``factura N° 13`` (the type's name as the SII calls it, or ``documento tipo N``)."""
    name = TIPO_NAMES.get(tipo or 0, f"documento tipo {tipo}")
    return f"{name} N° {folio}" if folio is not None else name


class PurchaseService:
    """Registers suppliers' DTEs in the terminal's journal."""

    def __init__(self, journal: SqliteJournal, store_rut: str, new_id: Callable[[], str], *,
                 sii_keys: Mapping[int, rsa.RSAPublicKey] | None = None,
                 resolve: Callable[[str], catalog.Product] | None = None) -> None:
        self.journal = journal
        self.store_rut = store_rut
        self.new_id = new_id
        self.sii_keys = sii_keys
        self.matcher = LineMatcher(journal)
        self.resolve = resolve or self._by_code

    # --- preview ---------------------------------------------------------------------------------------------

    def preview(self, data: bytes, *, warehouse: str = "", moves_stock: bool = True) -> Preview:
        """Verify ``data`` and say what it would register (never raises for bad input: the reasons are in it).

        Args:
            warehouse: where the goods go; ``""`` is the store's own (its ``store_id``).
            moves_stock: False registers notas de crédito as price corrections (the goods stay).
        """
        warehouse = warehouse.strip() or self.journal.identity.store_id
        try:
            store = rut_mod.parse(self.store_rut).compact
        except errors.InvalidRut:
            return Preview("desconocido", error=f"el RUT de la tienda ({self.store_rut!r}) no es válido: "
                           "corríjalo en terminal.toml ([store] rut)", warehouse=warehouse)
        check = verdict.verify(data, sii_keys=self.sii_keys)
        if check.error:
            return Preview(check.kind, error=check.error, warehouse=warehouse)
        if check.kind == "CAF":
            return Preview(check.kind, error="es un archivo de folios (CAF), no un documento de proveedor",
                           warehouse=warehouse)
        if check.kind == "EnvioBOLETA":
            return Preview(check.kind, error="un EnvioBOLETA trae boletas, que no dan crédito fiscal",
                           warehouse=warehouse)
        error = ""
        if check.envelope and not check.envelope["signature"]["valid"]:
            error = f"la firma del sobre EnvioDTE no es válida: {check.envelope['signature']['reason']}"
        root = xmlcore.parse(data)  # verify() parsed it already: this cannot fail
        elements = received.documents_in(root)
        names = self.matcher.names()
        docs: list[DocumentPreview] = []
        seen: set[tuple[str, int, int]] = set()
        for dte, result in zip(elements, check.documents, strict=True):
            doc = self._document(dte, result, store, warehouse, moves_stock, names)
            if doc.event is not None:
                key = (doc.event.supplier.rut, doc.event.tipo, doc.event.folio)
                if key in seen:
                    doc = replace(doc, refusals=(*doc.refusals, "el archivo trae dos veces este documento"))
                seen.add(key)
            docs.append(doc)
        return Preview(check.kind, tuple(docs), error, warehouse)

    def _document(self, dte: Any, result: dict[str, Any], store: str, warehouse: str, moves_stock: bool,
                  names: dict[str, list[str]]) -> DocumentPreview:
        label = document_label(result.get("tipo"), result.get("folio"))
        refusals = _verification_refusals(result)
        try:
            doc = received.read(dte)
        except dte_errors.DteError as exc:
            return DocumentPreview(label, None, (*refusals, str(exc)), checks=result)
        label = f"{document_label(doc.tipo, doc.folio)} de {doc.razon_social or doc.rut_emisor}"
        if doc.tipo not in events.ACCEPTED_TIPOS:
            refusals.append(NOT_PURCHASES.get(doc.tipo, f"un documento tipo {doc.tipo} no se registra como compra"))
        receptor = _compact(doc.rut_receptor)
        if receptor != store:
            refusals.append(f"documento emitido a otro RUT ({receptor or doc.rut_receptor}); esta tienda es "
                            f"{rut_mod.format(store)}")
        supplier = events.Supplier(_compact(doc.rut_emisor) or doc.rut_emisor, doc.razon_social, doc.giro)
        if not (0 < doc.folio < 10**10 and 0 < doc.tipo < 1000):  # SII: Folio ≤ 10 digits (and SQLite's INTEGER)
            refusals.append("el tipo o el folio del documento está fuera del rango del SII")
        elif (done := purchases_projection.registered(self.journal.conn, supplier.rut, doc.tipo,
                                                      doc.folio)) is not None:
            refusals.append(f"ya registrado el {purchases_projection.format_when(done.registered_at)}")
        warnings = []
        if (result.get("caf_signature") or {}).get("ambiente") == "certificación":
            warnings.append("folios de certificación del SII: documento de prueba, sin valor tributario")
        note = (result.get("totals") or {}).get("note")
        if note:
            warnings.append(note)
        event = self._event(doc, supplier, warehouse, moves_stock, names)
        event, sources = self.matcher.inherit(event)
        inherited = {line_no: document_label(tipo, folio) for line_no, (tipo, folio) in sources.items()}
        refusals += quantity_refusals(event)
        return DocumentPreview(label, event, tuple(refusals), tuple(warnings), result, inherited)

    def _event(self, doc: received.ReceivedDocument, supplier: events.Supplier, warehouse: str, moves_stock: bool,
               names: dict[str, list[str]]) -> events.PurchaseReceived:
        costs = doc.line_costs()
        lines = []
        for x, cost in zip(doc.lines, costs, strict=True):
            sku, how = self.matcher.match(x, names)
            lines.append(events.PurchaseLine(
                line_no=x.line_no, code=x.supplier_code, ean=x.ean, name=x.name, quantity=x.quantity, unit=x.unit,
                unit_cost=costing.unit_cost(cost, x.quantity), amount=x.amount, cost=cost, exento=x.exento, sku=sku,
                matched_by=how))
        codref = {r.codigo for r in doc.references}
        moves = (doc.tipo in (events.FACTURA, events.FACTURA_EXENTA) or
                 (doc.tipo == events.NOTA_CREDITO and moves_stock and codref != {2}))
        return events.PurchaseReceived(
            purchase_id=self.new_id(), supplier=supplier, tipo=doc.tipo, folio=doc.folio,
            fecha_emision=doc.fecha_emision, warehouse=warehouse, lines=tuple(lines), neto=doc.neto,
            exento=doc.exento, iva=doc.iva, total=doc.total, digest=doc.digest, moves_stock=moves,
            other_taxes=doc.other_taxes,
            references=doc.references,
            document_xml=doc.xml.decode("iso-8859-1"))

    # --- hand assignments -----------------------------------------------------------------------------------

    def assign(self, preview: Preview, line_no: int, sku: str | None, factor: str | Decimal | int = 1, *,
               document: int = 0) -> Preview:
        """``preview`` with line ``line_no`` of its ``document``-th document (0 = the first) assigned by hand to the
        product ``sku`` (None: no product, the line moves no stock) with ``factor`` of its units (kg for a product
        sold by weight) per unit of the line's quantity (:func:`parse_factor`). The line records
        ``matched_by = "manual"``; nothing is journaled.

        Raises:
            MappingRefused: no such document or line, an unknown or inactive product, a factor out of range.
        """
        if not 0 <= document < len(preview.documents) or preview.documents[document].event is None:
            raise MappingRefused(f"no hay documento {document + 1} en el archivo")
        doc = preview.documents[document]
        assert doc.event is not None
        lines = doc.event.lines
        index = next((i for i, x in enumerate(lines) if x.line_no == line_no), None)
        if index is None:
            numbers = ", ".join(str(x.line_no) for x in lines) or "ninguna"
            raise MappingRefused(f"el documento no tiene línea {line_no} (tiene: {numbers})")
        line = self.matcher.assigned(lines[index], sku, factor)
        event = replace(doc.event, lines=(*lines[:index], line, *lines[index + 1:]))
        docs = list(preview.documents)
        inherited = {k: v for k, v in doc.inherited.items() if k != line_no}
        refusals = tuple(r for r in doc.refusals if r not in quantity_refusals(doc.event))
        docs[document] = replace(doc, event=event, inherited=inherited,
                                 refusals=(*refusals, *quantity_refusals(event)))
        return replace(preview, documents=tuple(docs))

    # --- register --------------------------------------------------------------------------------------------

    def record(self, preview: Preview, *, registered_by: str = "",
               authorised: auth_events.Authorised | None = None) -> list[events.PurchaseReceived]:
        """Journal every document of ``preview`` (and ``authorised`` first) in one unit of work.

        Raises:
            PurchaseRefused: the preview has refusals, or a document was registered meanwhile; nothing journaled.
            JournalError: the journal could not commit; nothing journaled.
        """
        if not preview.importable:
            raise PurchaseRefused(preview.refusals or ["el archivo no trae documentos"])
        recorded = [replace(e, registered_by=registered_by) for e in preview.events]
        try:
            with self.journal.unit_of_work() as uow:
                if authorised is not None:
                    uow.append(authorised)
                for event in recorded:
                    uow.append(event)
        except purchases_projection.PurchaseAlreadyRegistered as exc:
            raise PurchaseRefused([str(exc)]) from None
        return recorded

    def import_file(self, data: bytes, *, warehouse: str = "", moves_stock: bool = True, registered_by: str = "",
                    authorised: auth_events.Authorised | None = None) -> tuple[Preview, list[events.PurchaseReceived]]:
        """:meth:`preview` then :meth:`record`. Raises: as :meth:`record`."""
        preview = self.preview(data, warehouse=warehouse, moves_stock=moves_stock)
        return preview, self.record(preview, registered_by=registered_by, authorised=authorised)


    # --- manual entry of a paper document, and returns to a supplier ---------------------------------------------

    def _by_code(self, code: str) -> catalog.Product:
        product = read_models.by_barcode(self.journal.conn, code) or read_models.by_sku(self.journal.conn, code)
        if product is None:
            raise errors.UnknownProduct(code)
        return product

    def manual_line(self, code: str, quantity: str | Decimal, unit_cost: str | int, expiry: str = "") -> ManualLine:
        """A line of a paper document: the product of ``code`` (scanned, PLU or SKU), ``quantity`` in its unit and
        the ``unit_cost`` written on the document (CLP per unit: neto on a factura or guía, what was paid on a
        boleta), typed as es-CL writes pesos (``"1.990"``); ``expiry`` the goods' expiry date (dd-mm-aaaa, ``""``
        when not known: FIFO lots keep it).

        Raises:
            UnknownProduct, InvalidBarcode: no such product.
            InvalidQuantity: zero, negative, decimals on units, absurd.
            InvalidAmount: a cost with decimals (``"12,5"``), negative, not a number or absurd.
            PurchaseRefused: an expiry that is not a date.
        """
        product = inventory.product(self.journal, code, self.resolve)
        day = _date(expiry, "vencimiento").isoformat() if expiry.strip() else ""
        return ManualLine(product, inventory.parse_quantity(quantity, product.sold_by),
                          inventory.parse_cost(unit_cost), day)

    def build_manual(self, supplier_rut: str, tipo: int, folio: str | int, fecha_emision: str,
                     lines: Sequence[ManualLine], *, warehouse: str = "", razon_social: str = "", giro: str = "",
                     total: str | int | None = None, guia: str | int = "", registered_by: str = ""
                     ) -> events.PurchaseReceived:
        """The ``purchase.received`` of a document typed in by hand (``events.MANUAL_TIPOS``: a factura, boleta or
        guía de despacho, on paper or without its XML, and their notas): ``digest`` and ``document_xml`` are
        ``""``; nothing is journaled.

        A factura's (or its nota's) IVA is ``money.iva_of_neto`` of its affected lines (IVA crédito fiscal); a
        boleta's costs are what was paid (IVA included: it gives no crédito) and a guía's are neto without IVA (its
        factura follows). A nota de crédito takes its goods back out; a nota de débito moves only their cost.
        A factura of goods that came with a guía de despacho registered before (``guia``: its folio) references it
        and moves neither stock nor cost (the guía brought both): it records the document and its IVA.
        ``total``, when typed, must equal the document's total. The supplier's razón social and giro are the saved
        supplier's when not given.

        Raises:
            InvalidRut: the supplier's RUT is malformed or fails its check digit.
            UnknownWarehouse: not one of the store's warehouses.
            PurchaseRefused: an unknown tipo, a bad folio or date, no lines or too many, an unknown supplier without
                a razón social, a total that does not match, a document registered before.
        """
        rut = suppliers.parse_rut(supplier_rut)
        if tipo not in events.MANUAL_TIPOS:
            names = ", ".join(f"{k} ({TIPO_NAMES[k]})" for k in sorted(events.MANUAL_TIPOS))
            raise PurchaseRefused([f"tipo de documento {tipo} no se ingresa a mano; use {names}"])
        number = _folio(folio)
        day = _document_date(fecha_emision, self.journal.clock().date())
        target = inventory.own_warehouse(self.journal, warehouse)
        if not lines:
            raise PurchaseRefused(["el documento no tiene líneas"])
        if len(lines) > rules.PURCHASE_LINES_MAX:
            raise PurchaseRefused([f"el documento tiene {len(lines)} líneas; el máximo es {rules.PURCHASE_LINES_MAX}"])
        known = inventory_queries.supplier(self.journal.conn, rut)
        if known is not None and not known.active:
            raise PurchaseRefused([f"el proveedor {known.razon_social} ({rut_mod.format(rut)}) está inactivo: "
                                   "actívelo en Proveedores antes de registrarle compras"])
        references = self._guia(rut, tipo, guia) if str(guia).strip() else ()
        name = razon_social.strip() or (known.razon_social if known is not None else "")
        if not name:
            raise PurchaseRefused([f"el proveedor {rut_mod.format(rut)} no está registrado: indique su razón social"])
        supplier = events.Supplier(rut, inventory.clean_text(name, "la razón social", most=100),
                                   inventory.clean_text(giro or (known.giro if known is not None else ""), "el giro",
                                                        most=80))
        event_lines = []
        for n, x in enumerate(lines, start=1):
            amount = money.round_half_up(Decimal(x.unit_cost) * x.quantity)
            event_lines.append(events.PurchaseLine(
                line_no=n, code=x.product.sku, ean=x.product.barcodes[0] if x.product.barcodes else None,
                name=x.product.name[:80], quantity=x.quantity, unit="KG" if x.product.weighed else "UN",
                unit_cost=x.unit_cost, amount=amount, cost=amount,
                exento=tipo in MANUAL_EXENTOS or x.product.iva_exempt, sku=None if references else x.product.sku,
                matched_by="manual", expiry=x.expiry))
        exento = sum(x.cost for x in event_lines if x.exento)
        neto = sum(x.cost for x in event_lines if not x.exento)
        iva = money.iva_of_neto(neto) if tipo in MANUAL_WITH_IVA else 0
        document_total = neto + exento + iva
        if total is not None and (typed := inventory.parse_cost(total)) != document_total:
            raise PurchaseRefused([f"el total escrito ({money.format_clp(typed)}) no cuadra con las líneas "
                                   f"({money.format_clp(document_total)}: neto {money.format_clp(neto)}, exento "
                                   f"{money.format_clp(exento)}, IVA {money.format_clp(iva)}); revise costos y "
                                   "cantidades"])
        done = purchases_projection.registered(self.journal.conn, rut, tipo, number)
        if done is not None:
            raise PurchaseRefused([f"{document_label(tipo, number)} de {supplier.razon_social} ya registrado el "
                                   f"{purchases_projection.format_when(done.registered_at)}"])
        return events.PurchaseReceived(
            purchase_id=self.new_id(), supplier=supplier, tipo=tipo, folio=number, fecha_emision=day.isoformat(),
            warehouse=target, lines=tuple(event_lines), neto=neto, exento=exento, iva=iva, total=document_total,
            digest="", moves_stock=not references, references=references, registered_by=registered_by,
            document_xml="")

    def _guia(self, rut: str, tipo: int, folio: str | int) -> tuple[events.DocumentReference, ...]:
        """The reference of a factura to the guía de despacho ``folio`` of supplier ``rut`` registered before.
        Raises: PurchaseRefused (not a factura, no such guía)."""
        if tipo not in FACTURAS:
            raise PurchaseRefused(["solo una factura hace referencia a una guía de despacho"])
        number = _folio(folio)
        for guia_tipo in (events.GUIA_DESPACHO, 50):
            if purchases_projection.registered(self.journal.conn, rut, guia_tipo, number) is not None:
                return (events.DocumentReference(str(guia_tipo), str(number), "", None, "Guía de despacho"),)
        raise PurchaseRefused([f"no hay una guía de despacho N° {number} de {rut_mod.format(rut)} registrada: "
                               "registre la guía primero, o la factura sin guía"])

    def record_manual(self, actor: User | None, supplier_rut: str, tipo: int, folio: str | int, fecha_emision: str,
                      lines: Sequence[ManualLine], *, warehouse: str = "", razon_social: str = "", giro: str = "",
                      total: str | int | None = None, guia: str | int = "") -> events.PurchaseReceived:
        """:meth:`build_manual` and journal it, registered by ``actor``.

        Raises:
            NotAdministrator: ``actor`` is not an administrador.
            InvalidRut, UnknownWarehouse, PurchaseRefused: as :meth:`build_manual` (a document registered meanwhile
                too); nothing journaled.
            RuleBroken: the event breaks a rule of its type; nothing journaled.
        """
        inventory.require_admin(actor, "registrar compras")
        assert actor is not None
        event = self.build_manual(supplier_rut, tipo, folio, fecha_emision, lines, warehouse=warehouse,
                                  razon_social=razon_social, giro=giro, total=total, guia=guia,
                                  registered_by=actor.user_id)
        try:
            self.journal.append(event)
        except purchases_projection.PurchaseAlreadyRegistered as exc:
            raise PurchaseRefused([str(exc)]) from None
        return event

    def return_to_supplier(self, actor: User | None, supplier_rut: str,
                           lines: Sequence[tuple[str, str | Decimal, str | int | None]], *, reason: str,
                           warehouse: str = "", purchase_id: str = "", document: str = ""
                           ) -> inventory_events.SupplierReturned:
        """Journal goods given back to a supplier: ``lines`` are ``(code, quantity, unit cost)``; a cost of None is
        the purchase's line cost (with ``purchase_id``) or the store's cost now. ``document`` is the supplier's
        paper for it, when there is one ("Guía 52 N° 1234").

        Raises:
            NotAdministrator: ``actor`` is not an administrador.
            InvalidRut: the supplier's RUT is malformed or fails its check digit.
            UnknownWarehouse: not one of the store's warehouses.
            PurchaseRefused: no reason, no lines, a purchase that is not this supplier's or does not carry a
                product, more returned than it brought; a line with an unknown product, a bad quantity or cost.
            RuleBroken: the event breaks a rule of its type; nothing journaled.
        """
        inventory.require_admin(actor, "devolver mercadería a proveedores")
        assert actor is not None
        rut = suppliers.parse_rut(supplier_rut)
        why = inventory.clean_text(reason, "el motivo de la devolución", required=True)
        target = inventory.own_warehouse(self.journal, warehouse)
        if not lines:
            raise PurchaseRefused(["la devolución no tiene productos"])
        bought: dict[str, tuple[Decimal, int]] | None = None
        if purchase_id:
            bought = self._bought(purchase_id, rut)
        out: dict[str, inventory_events.SupplierReturnLine] = {}
        for n, (code, quantity, cost) in enumerate(lines, start=1):
            try:
                product = inventory.product(self.journal, code, self.resolve)
                qty = inventory.parse_quantity(quantity, product.sold_by)
                if product.sku in out:  # the same product twice: one line
                    qty = inventory.parse_quantity(out[product.sku].quantity + qty, product.sold_by)
                if bought is not None and product.sku not in bought:
                    raise PurchaseRefused([f"{product.name} no viene en esa compra"])
                if bought is not None and qty > bought[product.sku][0]:
                    raise PurchaseRefused([f"se devuelven {qty} de {product.name} y la compra trajo "
                                           f"{bought[product.sku][0]}"])
                if cost is not None:
                    unit = inventory.parse_cost(cost)
                elif bought is not None:
                    unit = bought[product.sku][1]
                else:
                    unit = inventory.unit_cost(self.journal, product.sku, qty)
            except errors.PosError as exc:
                reasons = exc.reasons if isinstance(exc, PurchaseRefused) else [str(exc)]
                raise PurchaseRefused([f"línea {n}: {r}" for r in reasons]) from None
            out[product.sku] = inventory_events.SupplierReturnLine(product.sku, product.name, qty, unit)
        event = inventory_events.SupplierReturned(
            return_id=self.new_id(), supplier_rut=rut, warehouse=target, lines=tuple(out.values()), reason=why,
            returned_by=actor.user_id, purchase_id=purchase_id, document=inventory.clean_text(document, "el documento"))
        self.journal.append(event)
        return event

    def _bought(self, purchase_id: str, rut: str) -> dict[str, tuple[Decimal, int]]:
        """``sku -> (quantity in store units, unit cost)`` of a registered purchase of supplier ``rut``."""
        found = read_models.find_event(self.journal.conn, events.PurchaseReceived.TYPE, "purchase_id", purchase_id)
        if found is None:
            raise PurchaseRefused([f"no hay una compra {purchase_id!r} registrada en esta tienda"])
        purchase: events.PurchaseReceived = self.journal.codec.decode(*found)
        if purchase.supplier.rut != rut:
            raise PurchaseRefused([f"esa compra es de {purchase.supplier.razon_social} "
                                   f"({rut_mod.format(purchase.supplier.rut)}), no de {rut_mod.format(rut)}"])
        out: dict[str, tuple[Decimal, int]] = {}
        for x in purchase.lines:
            if x.sku is not None and x.quantity:
                quantity = out.get(x.sku, (Decimal(0), 0))[0] + x.store_quantity
                out[x.sku] = (quantity, costing.unit_cost(x.cost, x.store_quantity))
        return out


MANUAL_WITH_IVA: Final = frozenset({30, events.FACTURA, 55, events.NOTA_DEBITO, 60, events.NOTA_CREDITO})
"""Paper documents whose IVA is crédito fiscal: facturas and their notas (IVA = 19 % of the affected lines)."""
MANUAL_EXENTOS: Final = frozenset({32, events.FACTURA_EXENTA, 38, 41})
"""Paper documents whose every line is exento."""
FACTURAS: Final = frozenset({30, 32, events.FACTURA, events.FACTURA_EXENTA})


@dataclass(frozen=True, slots=True)
class ManualLine:
    """A line of a paper document as typed: the product, its quantity and the unit cost written (CLP)."""

    product: catalog.Product
    quantity: Decimal
    unit_cost: int
    expiry: str = ""

    @property
    def amount(self) -> int:
        return money.round_half_up(Decimal(self.unit_cost) * self.quantity)


def _folio(value: str | int) -> int:
    text = str(value).strip().replace(".", "")
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= rules.MAX_FOLIO:
        raise PurchaseRefused([f"folio {value!r} no válido: un número de 1 a 9.999.999.999"])
    return int(text)


def _date(value: str, what: str) -> date:
    """A date typed ``dd-mm-aaaa`` (or ``dd/mm/aaaa``, or ISO). Raises: PurchaseRefused."""
    text = value.strip().replace("/", "-")
    try:
        parts = text.split("-")
        if len(parts) != 3:
            raise ValueError(text)
        return (date.fromisoformat(text) if len(parts[0]) == 4
                else date(int(parts[2]), int(parts[1]), int(parts[0])))
    except ValueError:
        raise PurchaseRefused([f"fecha de {what} {value!r} no válida: escriba dd-mm-aaaa"]) from None


def _document_date(value: str, today: date) -> date:
    """The document's date, not in the future. Raises: PurchaseRefused."""
    day = _date(value, "emisión")
    if day > today:
        raise PurchaseRefused([f"la fecha del documento ({day:%d-%m-%Y}) es posterior a hoy"])
    return day

def _compact(value: str) -> str:
    try:
        return rut_mod.parse(value).compact
    except errors.InvalidRut:
        return ""


def _verification_refusals(result: dict[str, Any]) -> list[str]:
    """Why a document's verdict does not let it be registered (signature, TED, CAF, schema, totals)."""
    if result.get("error"):
        return [str(result["error"])]
    out = []
    for key, what in (("signature", "la firma XML no es válida"), ("ted", "el timbre (TED) no es válido"),
                      ("caf_signature", "el CAF del timbre no es válido")):
        check = result.get(key) or {}
        if not check.get("valid"):
            out.append(f"{what}: {check.get('reason') or 'no verifica'}")
    schema = result.get("schema") or {}
    if not schema.get("valid"):
        first = (schema.get("errors") or ["no valida"])[0]
        out.append(f"no cumple el esquema del SII: {first}")
    totals = result.get("totals") or {}
    if not totals.get("valid"):
        out.append("los totales no cuadran: " + "; ".join(totals.get("problems") or ["sin detalle"]))
    return out


def summary(preview: Preview, *, imported: bool, dry_run: bool = False) -> dict[str, Any]:
    """The JSON ``almacen dte import`` prints: per document the supplier, folio, neto, IVA crédito fiscal, total and
    lines matched/unmatched; the refusals when not imported."""
    docs: list[dict[str, Any]] = []
    for d in preview.documents:
        e = d.event
        if e is None:
            docs.append({"documento": d.label, "refusals": list(d.refusals)})
            continue
        docs.append({
            "documento": d.label, "tipo": e.tipo, "folio": e.folio, "fecha_emision": e.fecha_emision,
            "supplier": {"rut": e.supplier.rut, "razon_social": e.supplier.razon_social, "giro": e.supplier.giro},
            "neto": e.neto, "exento": e.exento, "iva_credito_fiscal": e.sign * e.iva, "other_taxes": e.other_taxes,
            "total": e.total, "moves_stock": e.moves_stock,
            "lines_matched": d.matched, "lines_unmatched": len(d.unmatched),
            "matched": [{"line": x.line_no, "name": x.name, "sku": x.sku, "by": x.matched_by,
                         "quantity": str(x.quantity), "unit_cost": x.unit_cost,
                         "package_factor": str(x.package_factor), "stock_quantity": str(x.store_quantity),
                         **({"package_factor_from": d.inherited[x.line_no]} if x.line_no in d.inherited else {})}
                        for x in e.lines if x.sku],
            "unmatched": [{"line": x.line_no, "code": x.code, "ean": x.ean, "name": x.name,
                           "quantity": str(x.quantity), "amount": x.amount} for x in d.unmatched],
            "warnings": list(d.warnings), "refusals": list(d.refusals), "digest": e.digest})
    out: dict[str, Any] = {"imported": imported, "kind": preview.kind, "warehouse": preview.warehouse,
                           "documents": docs}
    if dry_run:
        out["dry_run"] = True
    if preview.refusals:
        out["refusals"] = preview.refusals
    return out


def describe_total(e: events.PurchaseReceived) -> str:
    """``Neto $999.043 · IVA crédito fiscal $189.818 · Total $1.188.861`` (a nota de crédito's IVA negative)."""
    parts = [f"Neto {money.format_clp(e.neto)}"]
    if e.exento:
        parts.append(f"Exento {money.format_clp(e.exento)}")
    parts.append(f"IVA crédito fiscal {money.format_clp(e.sign * e.iva)}")
    if e.other_taxes:
        parts.append(f"Otros impuestos {money.format_clp(e.other_taxes)}")
    parts.append(f"Total {money.format_clp(e.total)}")
    return " · ".join(parts)
