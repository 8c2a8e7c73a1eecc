"""The checkout: the cart in progress (kept across crashes), supervisor-authorised changes, and completion.

Completing a sale journals ``SaleCompleted`` (fsynced, with the stock and shift projections and the cleared
cart) before anything is printed or the drawer opens; printing happens after and may fail without losing it.
A customer may be attached to the cart (kept with it), and the sale may go partly or wholly on their fiado.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from desktop.journal import inventory_queries, read_models
from desktop.journal.sqlite_store import SqliteJournal
from desktop.services import checkout_fiado
from desktop.services import customers as customers_mod
from desktop.services import receipts as receipts_mod
from desktop.services import suspend as suspend_mod
from desktop.services.auth import AuthService, User
from desktop.services.catalog import CatalogService, Match
from desktop.services.folios import FacturaUnavailable, FolioService
from shared import card_model, catalog, errors, inventory, money, roles
from shared import sale as sale_mod
from shared.events import codec, rules, sales
from shared.events import till as till_events


@dataclass(frozen=True, slots=True)
class Completed:
    """A committed sale and what happened when its receipt was printed."""

    event: sales.SaleCompleted
    settlement: sale_mod.Settlement
    printed: receipts_mod.PrintOutcome
    notice: str = ""
    """What the cashier must know about the sale's document (e.g. no folio was left: no boleta)."""


OPEN_PRICE_SKU = "SIN-CATALOGO-"
"""The SKU prefix of the lines sold at an open price for a code missing from the catalog: ``SIN-CATALOGO-<code>``
(HQ lists those codes to create the products)."""


MAX_OPEN_PRICE = 1_000_000
"""Pesos: above this a typed open price is refused."""


class CheckoutService:
    """One cashier's cart on one terminal. Every change is saved to the journal file's working state."""

    def __init__(self, journal: SqliteJournal, catalog_service: CatalogService, auth: AuthService,
                 receipts: receipts_mod.ReceiptService, new_id: Callable[[], str], *,
                 discount_limit_pct: int = 10, folios: FolioService | None = None,
                 boleta_for_cards: bool = True, void_needs_pin: bool = False,
                 open_price_needs_pin: bool = False, offline: Callable[[], bool] | None = None) -> None:
        self.journal = journal
        self.catalog = catalog_service
        self.auth = auth
        self.receipts = receipts
        self.new_id = new_id
        self.discount_limit_pct = discount_limit_pct
        self.folios = folios
        self.boleta_for_cards = boleta_for_cards
        self.void_needs_pin = void_needs_pin
        """Removing a line before payment needs a supervisor's PIN (``void_needs_pin`` in ``terminal.toml``)."""
        self.open_price_needs_pin = open_price_needs_pin
        """Selling a code missing from the catalog needs a supervisor's PIN (``open_price_needs_pin``)."""
        self.offline = offline or (lambda: checkout_fiado.offline(journal))
        """Whether fiado is decided as offline (``checkout_fiado.offline``: no pull from the master lately)."""
        self.customers = customers_mod.CustomerService(journal)
        self.cashier: User | None = None
        self.shift_id = ""
        self.sale = sale_mod.Sale(sale_id=new_id())
        self.customer_id = ""
        """The person attached to the cart (a ``shared.events.fiado`` customer), ``""`` for none."""
        self._approval: checkout_fiado.Approval | None = None

    def start(self, cashier: User, shift_id: str) -> sale_mod.Sale:
        """Begin selling as ``cashier``; a cart left by a crash or power cut comes back."""
        self.cashier, self.shift_id = cashier, shift_id
        saved = read_models.draft(self.journal.conn)
        if saved is not None:
            self.sale = codec.from_payload(sale_mod.Sale, saved["sale"])
            self.customer_id = str(saved.get("customer_id", ""))
        return self.sale

    def _draft(self, sale: sale_mod.Sale, customer_id: str) -> dict[str, object]:
        draft: dict[str, object] = {"sale": codec.to_payload(sale), "shift_id": self.shift_id}
        if customer_id:
            draft["customer_id"] = customer_id
        return draft

    def _save(self, sale: sale_mod.Sale, *events: object, customer_id: str | None = None) -> sale_mod.Sale:
        customer_id = self.customer_id if customer_id is None else customer_id
        with self.journal.unit_of_work() as uow:
            for event in events:
                uow.append(event)
            uow.save_draft(self._draft(sale, customer_id))
        self.sale, self.customer_id = sale, customer_id
        return sale

    def attach_customer(self, customer_id: str) -> str:
        """Attach ``customer_id`` to the cart (for fiado, or to know who bought); kept with the cart across a
        restart (a customer merged into another at the master is attached as the survivor). Returns their name.

        Raises: FiadoUnavailable for a customer this till does not know.
        """
        found = checkout_fiado.known(self.journal, customer_id)
        if found.customer_id != self.customer_id:
            self._approval = None
        self._save(self.sale, customer_id=found.customer_id)
        return found.name

    def detach_customer(self) -> None:
        """Take the customer off the cart (a fiado approval given for them goes too)."""
        self._approval = None
        self._save(self.sale, customer_id="")

    def customer_name(self) -> str:
        """The attached customer's name, ``""`` with none (or one no longer known here)."""
        found = self.attached()
        return "" if found is None else found.name

    def attached(self) -> checkout_fiado.Attached | None:
        """The attached customer with their fiado (enabled, limit, balance, headroom) for the sale screen; None
        without one."""
        return checkout_fiado.attached(self.journal, self.customer_id)

    def approve_fiado(self, supervisor_pin: str, reason: str = "") -> User:
        """A supervisor's PIN to put this sale's fiado beyond the limit (after ``FiadoOverLimit``); then
        ``complete(..., fiado_approved_by=<the user's id>)`` journals it (``auth.authorised``, action
        ``fiado_over_limit``) with the sale.

        Raises: FiadoUnavailable (no customer attached), WrongPin (journaled), LockedOut.
        """
        if not self.customer_id:
            raise checkout_fiado.FiadoUnavailable("para vender al fiado, elija primero el cliente")
        self._approval = checkout_fiado.approve(
            self.auth, supervisor_pin, sale_id=self.sale.sale_id, total=self.sale.totals().total,
            cashier_id=self._cashier_id(), shift_id=self.shift_id, customer_id=self.customer_id,
            customer=self.customer_name() or self.customer_id, reason=reason)
        return self._approval.supervisor

    def suspend(self, label: str = "") -> int:
        """Put the cart (and its customer) aside as a suspended sale and start an empty one; returns its id. No folio
        is taken. Raises: EmptySale."""
        new = sale_mod.Sale(sale_id=self.new_id())
        with self.journal.unit_of_work() as uow:
            suspended = suspend_mod.put_aside(uow, self.sale, self.customer_id, label, self.journal.clock())
            uow.save_draft(self._draft(new, ""))
        self.sale, self.customer_id, self._approval = new, "", None
        return suspended

    def suspended(self) -> list[suspend_mod.Suspended]:
        """The sales suspended at this till, oldest first."""
        return suspend_mod.listed(self.journal)

    def suspended_count(self) -> int:
        """How many sales are suspended (one COUNT: the sale screen's «Recuperar (n)» on every render)."""
        return suspend_mod.count(self.journal)

    def recall(self, suspended_id: int) -> sale_mod.Sale:
        """Bring back suspended sale ``suspended_id`` (its lines and customer) as the cart.

        Raises: SaleError when the cart has lines (suspend it first) or the sale is no longer suspended.
        """
        if self.sale.lines:
            raise errors.SaleError("la venta en curso tiene productos: suspéndala antes de recuperar otra")
        with self.journal.unit_of_work() as uow:
            sale, customer_id = suspend_mod.take(uow, suspended_id)
            uow.save_draft(self._draft(sale, customer_id))
        self.sale, self.customer_id, self._approval = sale, customer_id, None
        return sale

    def add_match(self, match: Match, quantity: Decimal | str | None = None) -> sale_mod.Sale:
        """Add what a code resolved to. Unit goods default to 1; weighed goods need a weight or a deli label.

        Raises:
            WeightRequired: a weighed product without a weight (ask the cashier or the scale).
            InvalidQuantity: a zero, negative or absurd quantity or weight.
        """
        product = match.product
        if match.price is not None:
            return self._save(self.sale.add_priced(product, match.price, code=match.code))
        if match.weight_kg is not None:
            quantity = match.weight_kg
        if quantity is None:
            if product.weighed:
                raise errors.WeightRequired(product.sku, product.name)
            quantity = Decimal(1)
        qty = product.parse_quantity(quantity)
        return self._save(self.sale.add(product, qty, code=match.code))

    def scan(self, code: str) -> sale_mod.Sale:
        """Resolve a code and add it. Raises: as ``CatalogService.resolve`` and :meth:`add_match`."""
        return self.add_match(self.catalog.resolve(code))

    def add_product(self, product: catalog.Product, quantity: Decimal | str | None = None) -> sale_mod.Sale:
        return self.add_match(Match(product, product.sku), quantity)

    def set_quantity(self, line_id: int, quantity: Decimal | str) -> sale_mod.Sale:
        return self._save(self.sale.set_quantity(line_id, quantity))

    def add_open_price(self, code: str, price: money.Pesos, supervisor_pin: str = "",
                       reason: str = "") -> sale_mod.Sale:
        """Sell one unit of a scanned ``code`` that is not in the catalog at a typed ``price`` (pesos, IVA
        included): a line of SKU ``OPEN_PRICE_SKU`` + code, named after the code, for HQ's list of unknown
        codes. With ``open_price_needs_pin`` a supervisor's PIN is journaled with it.

        Raises: AuthorisationRequired (a PIN is needed and none given), InvalidAmount (not above $0 or above
        ``MAX_OPEN_PRICE``), RuleBroken (a code longer than ``shared.events.rules.CODE_MAX``), WrongPin,
        LockedOut, InvalidInput (no reason with a PIN).
        """
        if price <= 0:
            raise errors.InvalidAmount(price, "escriba el precio del producto")
        if price > MAX_OPEN_PRICE:  # a barcode scanned into the price field, most likely
            raise errors.InvalidAmount(price, f"un precio sobre {money.format_clp(MAX_OPEN_PRICE)} no es de un "
                                              "minimarket: escríbalo de nuevo")
        rules.check_code(code)  # a line's code has a bounded length (shared.events.rules.CODE_MAX)
        product = catalog.Product(f"{OPEN_PRICE_SKU}{code}", f"Sin catálogo {code}", price, "")
        events: list[object] = []
        if self.open_price_needs_pin:
            if not supervisor_pin:
                raise errors.AuthorisationRequired(roles.Action.OPEN_PRICE.value)
            _user, event = self.auth.authorise(supervisor_pin, roles.Action.OPEN_PRICE, self._cashier_id(), reason,
                                               sale_id=self.sale.sale_id, shift_id=self.shift_id,
                                               detail=f"{code} = {money.format_clp(price)}")
            events.append(event)
        return self._save(self.sale.add(product, Decimal(1), code=code), *events)

    def remove_line(self, line_id: int, reason: str = "") -> sale_mod.Sale:
        """Take a line off the cart before payment, by the cashier alone: journaled as ``sale.line_removed``.

        Raises: AuthorisationRequired when the store asks for a supervisor's PIN (then :meth:`void_line`);
        LineNotFound.
        """
        line = self.sale.line(line_id)
        if self.void_needs_pin:
            raise errors.AuthorisationRequired(roles.Action.VOID_LINE.value)
        return self._save(self.sale.void(line_id), self._removed(line, reason, ""))

    def void_line(self, line_id: int, supervisor_pin: str, reason: str) -> sale_mod.Sale:
        """Remove a line with a supervisor's PIN; the authorisation is journaled with the line's details, and the
        removal as ``sale.line_removed``.

        Raises: LineNotFound, WrongPin, LockedOut, InvalidInput (no reason).
        """
        line = self.sale.line(line_id)
        supervisor, event = self.auth.authorise(
            supervisor_pin, roles.Action.VOID_LINE, self._cashier_id(), reason, sale_id=self.sale.sale_id,
            shift_id=self.shift_id,
            detail=f"{line.sku} {line.name} x {line.quantity} = {money.format_clp(line.amount)}")
        return self._save(self.sale.void(line_id), event, self._removed(line, reason, supervisor.user_id))

    def _removed(self, line: sale_mod.SaleLine, reason: str, supervisor_id: str) -> till_events.LineRemoved:
        return till_events.LineRemoved(self.sale.sale_id, line.line_id, line.sku, line.name, line.quantity,
                                       line.amount, self._cashier_id(), self.shift_id, reason.strip(),
                                       supervisor_id)

    def discount_line(self, line_id: int, amount: money.Pesos, supervisor_pin: str = "",
                      reason: str = "") -> sale_mod.Sale:
        """Raises: AuthorisationRequired above the limit without a PIN; as ``Sale.discount_line``."""
        line = self.sale.line(line_id)
        updated = self.sale.discount_line(line_id, amount)
        return self._discount(updated, amount, line.gross, supervisor_pin, reason, f"línea {line.name}")

    def discount_sale(self, amount: money.Pesos, supervisor_pin: str = "", reason: str = "") -> sale_mod.Sale:
        """Raises: AuthorisationRequired above the limit without a PIN; as ``Sale.discount_sale``."""
        updated = self.sale.discount_sale(amount)
        return self._discount(updated, amount, self.sale.totals().subtotal, supervisor_pin, reason, "venta")

    def needs_authorisation(self, amount: money.Pesos, base: money.Pesos) -> bool:
        return amount * 100 > base * self.discount_limit_pct

    def _discount(self, updated: sale_mod.Sale, amount: money.Pesos, base: money.Pesos, pin: str, reason: str,
                  what: str) -> sale_mod.Sale:
        if not self.needs_authorisation(amount, base):
            return self._save(updated)
        if not pin:
            raise errors.AuthorisationRequired(roles.Action.DISCOUNT.value)
        _user, event = self.auth.authorise(pin, roles.Action.DISCOUNT, self._cashier_id(), reason,
                                           sale_id=self.sale.sale_id, shift_id=self.shift_id,
                                           detail=f"{what}: {money.format_clp(amount)} de {money.format_clp(base)}")
        return self._save(updated, event)

    def clear(self) -> sale_mod.Sale:
        """Drop an empty cart's state (a cart with lines is emptied line by line, with authorisation)."""
        if self.sale.lines:
            raise errors.SaleError("anule las líneas antes de cancelar la venta")
        self._approval = None
        return self._save(sale_mod.Sale(sale_id=self.new_id()), customer_id="")

    def complete(self, tenders: tuple[sale_mod.Tender, ...], *, customer: sales.CustomerData | None = None,
                 fiado_approved_by: str = "") -> Completed:
        """Journal the sale (fsync), then print its receipt and kick the drawer for cash.

        The document is a boleta (39/41) unless the sale was paid wholly by card under the voucher «modelo de
        emisión» (:meth:`card_model`; ``shared.card_model.needs_boleta``); with ``customer`` it is a factura (33,
        or 34 when every line is exempt) to that business customer,
        whatever the tenders, and the customer is saved (``customer.saved``) in the same transaction when new or
        changed.
        The attached customer (:meth:`attach_customer`) goes on the sale as ``customer_id``; ``fiado`` tenders put
        their sum on that customer's account (``SaleCompleted.fiado``), decided by ``shared.fiado.decide_charge`` on
        what this till knows; beyond the limit a supervisor's approval (:meth:`approve_fiado`, whose id is
        ``fiado_approved_by``) is journaled with the sale. A factura on fiado says FmaPago 2 (crédito).

        Raises:
            EmptySale, PaymentShort, TenderExceedsDue, InvalidAmount: nothing is journaled; the cart stays.
            CustomerInvalid: the customer's data cannot go on a factura (nothing is journaled).
            FacturaUnavailable: a factura was asked for and cannot be issued (no folio of its type left, or an
                invalid document): nothing is journaled, the cart stays; the cashier may issue a boleta instead.
            FiadoUnavailable: fiado tenders without a customer with fiado enabled (nothing is journaled).
            FiadoOverLimit: the fiado part passes the limit (or the offline allowance) and no supervisor approved it;
                ``approve_fiado`` then ``complete`` again (nothing is journaled meanwhile).
            AuthorisationRequired: ``fiado_approved_by`` is not the supervisor of :meth:`approve_fiado` for this sale,
                its customer and its total as they are now.
            ShiftError: no open shift.
            JournalError: the commit failed (e.g. disk full); the sale is not complete and the cart stays.
        """
        settlement = self.sale.settle(tenders)
        if not self.shift_id:
            raise errors.ShiftError("abra un turno antes de vender", "closed")
        approval = self._approval
        if fiado_approved_by and (approval is None or not approval.covers(
                self.sale.sale_id, self.customer_id, settlement.total, fiado_approved_by)):
            raise errors.AuthorisationRequired(roles.Action.FIADO_OVER_LIMIT.value)
        on_credit = sum(t.amount for t in tenders if t.kind is sale_mod.TenderKind.FIADO)
        charge = None
        if on_credit:
            charge = checkout_fiado.charge(self.journal, self.customer_id, on_credit, is_offline=self.offline(),
                                           approved=approval if fiado_approved_by else None)
        if customer is not None:
            customer = customers_mod.check(customer.rut, customer.razon_social, customer.giro, customer.direccion,
                                           customer.comuna)
            if self.folios is None:
                raise FacturaUnavailable("Esta caja no emite facturas", 33)
        totals = self.sale.totals()
        with self.journal.unit_of_work() as uow:
            number = read_models.last_sale_number(self.journal.conn) + 1
            costs = self._line_costs()
            event = sales.SaleCompleted(
                sale_id=self.sale.sale_id, number=number, shift_id=self.shift_id, cashier_id=self._cashier_id(),
                lines=tuple(sales.LineSold(x.line_id, x.sku, x.name, x.unit_price, x.quantity, x.sold_by.value,
                                           x.iva_exempt, x.discount, x.amount, x.code, cost)
                            for x, cost in zip(self.sale.lines, costs, strict=True)),
                discount=totals.discount, total=totals.total, affected=totals.affected, exento=totals.exento,
                neto=totals.neto, iva=totals.iva,
                tenders=tuple(sales.TenderTaken(t.kind.value, t.amount,
                                                settlement.cash_due if t.kind is sale_mod.TenderKind.CASH
                                                else t.amount) for t in _merged(tenders)),
                rounding=settlement.rounding, change=settlement.change)
            if self.customer_id:
                event = replace(event, customer_id=self.customer_id, fiado=charge)
            notice = ""
            if customer is not None and self.folios is not None:
                factura = self.folios.stamp_factura(uow, event, customer, self.journal.clock())
                event = replace(event, document=factura, customer=customer)
                saved = self.customers.saved_event(customer)
                if saved is not None:
                    uow.append(saved)
            elif self.folios is not None and card_model.needs_boleta(self.card_model(), event.tenders):
                document, notice = self.folios.stamp_sale(uow, event, self.journal.clock())
                event = replace(event, document=document)
            if charge is not None and charge.approved_by and approval is not None:
                uow.append(checkout_fiado.detail(approval.event, charge))
            uow.append(event)
            uow.clear_draft()
            uow.queue_print(event.sale_id)
        self.sale, self.customer_id, self._approval = sale_mod.Sale(sale_id=self.new_id()), "", None
        cash = settlement.cash_tendered > 0
        printed = self.receipts.print_sale(event, open_drawer=cash)
        return Completed(event, settlement, printed, notice)

    def card_model(self) -> card_model.CardModel:
        """The «modelo de emisión» sales follow: the one HQ last published to this till, else terminal.toml's
        ``[documents] boleta_for_cards`` (true: boleta; false: voucher). docs/card-sales.md."""
        published = read_models.card_model(self.journal.conn)
        if published is not None:  # shared.events.rules let only the two models in
            return card_model.parse(published.model)
        return card_model.CardModel.BOLETA if self.boleta_for_cards else card_model.CardModel.VOUCHER

    def factura_problem(self) -> str:
        """Why the current sale cannot get a factura now (no folio of its type left, or none can be issued at this
        terminal), or ``""``."""
        if self.folios is None:
            return "Esta caja no emite facturas"
        return self.folios.factura_problem(bool(self.sale.lines) and all(x.iva_exempt for x in self.sale.lines))

    def folio_warning(self) -> str:
        """The sale view's folio warning: empty while enough boleta folios are left (or none are used here), and
        enough of factura and nota de crédito where the till has them."""
        return "" if self.folios is None else self.folios.warnings()

    def _line_costs(self) -> list[int | None]:
        """What each line of the cart costs the store now, CLP neto (``shared.inventory.sale_line_cost`` of the
        till's cost state, under the tenant's costing method): None for a product never costed here (or an open
        price line). Lines of one product are costed one after the other (under FIFO the first takes the oldest
        layers). A cost state that cannot be read costs the line None: a sale is never blocked by its cost."""
        conn = self.journal.conn
        method = inventory_queries.inventory_settings(conn).costing
        states = inventory_queries.sale_cost_states(conn, {x.sku for x in self.sale.lines})
        sold: dict[str, Decimal] = {}
        costs: list[int | None] = []
        for x in self.sale.lines:
            state = states.get(x.sku)
            before = sold.get(x.sku, Decimal(0))
            total = None if state is None else inventory.sale_line_cost(state, before + x.quantity, method)
            if state is None or total is None:
                costs.append(None)
                continue
            costs.append(total - (inventory.sale_line_cost(state, before, method) or 0) if before else total)
            sold[x.sku] = before + x.quantity
        return costs

    def _cashier_id(self) -> str:
        if self.cashier is None:
            raise errors.AuthError("ningún cajero ha iniciado sesión")
        return self.cashier.user_id


def _merged(tenders: tuple[sale_mod.Tender, ...]) -> tuple[sale_mod.Tender, ...]:
    """One tender per kind, in the order first used (several cash hand-overs are one cash tender)."""
    totals: dict[sale_mod.TenderKind, int] = {}
    for t in tenders:
        totals[t.kind] = totals.get(t.kind, 0) + t.amount
    return tuple(sale_mod.Tender(k, v) for k, v in totals.items())
