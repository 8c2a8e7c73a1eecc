"""The demo store with no window: a scripted cashier drives the real presenters and services.

``run(out, sales=N)`` opens a shift, rings up N sales (scans, searches, weighed goods, deli labels, voids,
discounts, cash/card/transfer/mixed payments; with factura folios, some sales are facturas for a few business
customers), takes back a full and a partial return (found by scanning the receipt's timbre and by picking the sale)
when it has folios of nota de crédito, moves cash, closes the shift with a blind count, and writes
``out/receipts/*.bin`` (the ESC/POS bytes exactly as sent to the printer) and ``out/summary.json``. Around the shift
the store's manager (Rosa, administradora) works the back office through its services: before it, a paper factura
typed in for the sala and a guía de despacho into the bodega, then goods moved from the bodega to the sala; after
it, goods sent back to the bodega, a count of the sala posted and a merma recorded. The store runs its fiado too:
Rosa registers a few regular customers and enables their credit, every fourth sale goes on a customer's account (all
of it or part, a supervisor's PIN past the limit), and before the close the cashier takes abonos (cash, debit,
transfer) and a supervisor reverses one (docs/fiado.md).
"""

from __future__ import annotations

import dataclasses
import json
import random
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import catalog_data, seed
from desktop.drivers.printers import PrinterConfig
from desktop.journal import fiado_queries, inventory_queries, read_models
from desktop.presenters.customer import CustomerPresenter
from desktop.presenters.payment import PaymentPresenter
from desktop.presenters.returns import ReturnPresenter
from desktop.services import inventory as inventory_service
from desktop.services.auth import User
from desktop.services.checkout import Completed
from desktop.services.mermas import MermaNeedsPin
from desktop.services.mermas import value_of as merma_value
from shared import barcodes, money
from shared.events import purchases as purchase_events
from shared.sale import TenderKind

SUPERVISOR_PIN = "9999"
CUSTOMERS = (  # business customers who ask for a factura (RUTs with a valid dígito verificador)
    ("77.447.842-6", "Baca Juegos y Accesorios SpA", "Venta de juegos y accesorios", "Cillero 11", "Rancagua"),
    ("76.086.428-5", "Distribuidora El Ñandú Ltda.", "Comercio al por mayor", "Av. Matta 1020", "Santiago"),
    ("96.790.240-3", "Restaurante La Esquina S.A.", "Restaurantes", "Esmeralda 455", "Los Andes"),
)
FIADO_CUSTOMERS = (  # regulars who buy on credit: name, RUT ("" none), phone, limit (0: no fiado, just known)
    ("María González", "15.234.876-2", "+56 9 7654 3210", 80_000),
    ("Don Lucho Araya", "", "9 8123 4567", 60_000),
    ("Carmen Rojas", "9.876.543-3", "", 40_000),
    ("Javier Muñoz", "17.345.678-6", "9 9988 7766", 0),
)
FIADO_EVERY = 4
"""Every fourth sale of the shift (the second, sixth, …) goes on a customer's account."""
SUPPLIER = ("78.345.120-4", "Comercial Los Aromos Ltda.", "Distribución de abarrotes")
"""The supplier whose factura and guía de despacho the manager types in (a valid dígito verificador)."""
SUPPLIER_FACTURA: Final = 4711
"""The folio of the supplier's factura electrónica (33) the manager types in without its XML; HQ answers it to the
SII («aceptada», Ley 19.983) in ``./scripts/demo --headless``."""


def run(out: Path, *, sales: int = 50, seed_value: int = 2026, hasher: Any = None,
        enroll: Callable[[Path, str], tuple[int, str, str]] | None = None,
        after: Callable[[terminal_mod.Terminal, dict[str, Any]], None] | None = None,
        prepare: Callable[[terminal_mod.Terminal], None] | None = None) -> dict[str, Any]:
    """Run the scripted store into ``out`` (a new folder) and return the summary written to summary.json.

    Args:
        enroll: when given, called as ``enroll(data_dir, terminal_id)`` before the journal exists; it registers
            the terminal with a server and returns HQ's ``(tenant_id, store_id, server_url)``; the till then pulls
            the users and catalog HQ holds and only counts its opening stock (without a server the demo store is
            loaded into the journal).
        after: called with the terminal and the summary once the shift is closed (e.g. to sync and add figures).
        prepare: called with the terminal once its catalog is loaded, before the shift (e.g. to pull folios).

    Raises:
        FileExistsError: ``out`` already holds a terminal journal (the demo never overwrites one).
    """
    out.mkdir(parents=True, exist_ok=True)
    settings = settings_mod.TerminalSettings(
        data_dir=out / "terminal", printer=PrinterConfig(kind="directory", path=str(out / "receipts")))
    if settings.journal_path.exists():
        raise FileExistsError(f"{settings.journal_path} ya existe: use otra carpeta")
    started = time.perf_counter()
    server_url = ""
    if enroll is not None:
        terminal_id = str(uuid.uuid4())
        tenant_id, store_id, server_url = enroll(settings.data_dir, terminal_id)
        settings = dataclasses.replace(settings, tenant_id=tenant_id, store_id=store_id, terminal_id=terminal_id)
    term = terminal_mod.build(settings, create=True, hasher=hasher)
    try:
        if server_url:
            term.journal.set_sync_state(server_url=server_url)
            term.sync = terminal_mod.connect_sync(settings, term.journal)
        if term.sync is not None:  # HQ created the store's users and catalog: the till receives them by pull
            term.sync.pull()
            seed.load_stock(term, catalog_data.load_demo_rows())
        else:
            seed.seed(term)
        if prepare is not None:
            prepare(term)
        rng = random.Random(seed_value)
        office = _BackOffice(term, rng)
        office.receive_goods()
        summary = _shift(term, sales, rng, office.manager)
        office.close_the_day()
        summary.update(office.summary())
        if after is not None:
            after(term, summary)
    finally:
        term.close()
    summary["seconds"] = round(time.perf_counter() - started, 2)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return summary


class _Cashier:
    """What a cashier does at the till, through the presenters only."""

    def __init__(self, term: terminal_mod.Terminal, rng: random.Random) -> None:
        self.term = term
        self.rng = rng
        conn = term.journal.conn
        self.packaged = [r[0] for r in conn.execute("SELECT code FROM barcodes ORDER BY code")]
        self.weighed = [(r[0], r[1]) for r in conn.execute(
            "SELECT plu, name FROM products WHERE sold_by = 'kg' AND plu IS NOT NULL ORDER BY plu")]
        self.words = sorted({r[0].split()[0] for r in conn.execute("SELECT name FROM products LIMIT 400")})
        self.layout = terminal_mod.label_layout(term.settings)
        self.sale = terminal_mod.sale_presenter(term)
        self.counts = {"scans": 0, "weighed": 0, "labels": 0, "searches": 0, "voids": 0, "discounts": 0,
                       "bad_scans": 0, "facturas": 0, "returns": 0}

    def ring_up(self) -> None:
        rng, p = self.rng, self.sale
        for _ in range(rng.randint(1, 8)):
            roll = rng.random()
            if roll < 0.6:
                p.scan(rng.choice(self.packaged))
                self.counts["scans"] += 1
            elif roll < 0.75:
                plu, _name = rng.choice(self.weighed)
                p.scan(plu)
                p.enter_weight(f"{rng.randint(80, 2500) / 1000:.3f}".replace(".", ","))
                self.counts["weighed"] += 1
            elif roll < 0.85:
                plu, _name = rng.choice(self.weighed)
                rule = self.layout.rules[0]
                p.scan(barcodes.make_label(rule, plu, rng.randint(100, 1500)))
                self.counts["labels"] += 1
            elif roll < 0.95:
                view = p.search(rng.choice(self.words))
                if view.results:
                    p.choose(rng.choice(view.results).sku)
                    if p.view.weight_prompt is not None:
                        p.enter_weight("0,750")
                self.counts["searches"] += 1
            else:
                bad = rng.choice(self.packaged)
                p.scan(bad[:-1] + str((int(bad[-1]) + 1) % 10))
                self.counts["bad_scans"] += 1
        if len(p.view.lines) > 1 and rng.random() < 0.05:
            p.request_void()
            p.authorise(SUPERVISOR_PIN, "Cliente desiste")
            self.counts["voids"] += 1
        if p.view.lines and rng.random() < 0.04:
            p.discount("500")
            if p.view.auth_prompt is not None:
                p.authorise(SUPERVISOR_PIN, "Cliente frecuente")
            self.counts["discounts"] += 1
        if not p.view.lines:
            p.scan(self.packaged[0])

    def pay_on_credit(self, customer_id: str, counts: dict[str, int]) -> Completed:
        """The cart put on ``customer_id``'s account through the sale and payment screens: [Cliente] attaches them,
        then all of it on Fiado, or (every other time) half on Fiado and the rest in cash; past the limit or the
        offline allowance the screen asks the supervisor's PIN."""
        view = self.sale.attach(customer_id)
        if view.error:
            raise RuntimeError(f"demo customer failed: {view.message}")
        pay = PaymentPresenter(self.term.checkout)
        total = pay.total
        on_credit = total if counts["sales_on_credit"] % 2 == 0 or total < 200 else total // 200 * 100
        pay.set_mode(TenderKind.FIADO)
        if on_credit < total:
            for digit in str(on_credit):
                pay.key(digit)
            pay.add_partial()  # the rest in cash, exactly
            pay.exact()
        pay.finish()
        if pay.view.auth_prompt:  # beyond what the till may fiar on its own: Marta's PIN
            pay.authorise_fiado(SUPERVISOR_PIN, "Cliente de confianza")
            counts["approved_over_limit"] += 1
        pay.close()
        done = pay.completed
        if done is None or done.event.fiado is None:
            raise RuntimeError(f"demo fiado sale failed: {pay.view.message}")
        counts["sales_on_credit"] += 1
        counts["charged"] += done.event.fiado.amount
        return done

    def pay(self) -> PaymentPresenter:
        rng = self.rng
        pay = PaymentPresenter(self.term.checkout)
        if rng.random() < 0.12 and not pay.choose_factura().error:
            rut, razon, giro, direccion, comuna = rng.choice(CUSTOMERS)
            form = CustomerPresenter(self.term.checkout.customers)
            if form.search(razon.split()[0]).matches:  # a known customer is picked, a new one typed
                form.pick(form.view.matches[0][0])
            chosen = form.submit(rut, razon, giro, direccion, comuna).chosen
            assert chosen is not None, form.view.message
            pay.set_customer(chosen)
            self.counts["facturas"] += 1
        roll = rng.random()
        if roll < 0.55:
            due = pay.remaining()
            bills = [b for _label, b in pay.view.quick if b >= due]
            if bills and rng.random() < 0.7:
                pay.quick(bills[0])
            else:
                pay.exact()
        elif roll < 0.75:
            pay.set_mode(TenderKind.DEBIT)
        elif roll < 0.85:
            pay.set_mode(TenderKind.CREDIT)
        elif roll < 0.9:
            pay.set_mode(TenderKind.TRANSFER)
        else:
            pay.set_mode(TenderKind.DEBIT)
            for digit in str(max(pay.total // 2, 1)):
                pay.key(digit)
            pay.add_partial()
            pay.exact()
        pay.finish()
        if not pay.view.done:
            raise RuntimeError(f"demo payment failed: {pay.view.message}")
        return pay


def _fiado_customers(term: terminal_mod.Terminal, manager: User) -> list[str]:
    """Rosa registers the regulars, enables fiado for those with a limit and sets the store's fiado settings; the
    ids of those who may buy on credit."""
    service = term.fiado
    assert service is not None
    service.set_settings(50_000, "credit", manager)
    enabled = []
    for name, rut, phone, limit in FIADO_CUSTOMERS:
        customer_id = service.save_customer(name, rut, phone, "", "", manager)
        if limit:
            service.set_account(customer_id, True, limit, manager)
            enabled.append(customer_id)
    return enabled


def _collect(term: terminal_mod.Terminal, cashier: User, customers: list[str], counts: dict[str, int]) -> None:
    """Abonos from the customers who owe (cash with change, debit, transfer), then the supervisor reverses the
    debit one (the card was declined after all)."""
    service = term.fiado
    assert service is not None
    kinds = (TenderKind.CASH, TenderKind.DEBIT, TenderKind.TRANSFER)
    payments: list[tuple[str, str, int]] = []
    for n, customer_id in enumerate(customers):
        owed = fiado_queries.account(term.journal.conn, customer_id).balance
        if owed <= 0:
            continue
        kind = kinds[n % len(kinds)]
        amount = max(owed // 2 // 100 * 100, min(owed, 100))
        received = money.round_cash(amount) + 2000 if kind is TenderKind.CASH else amount
        done = service.pay(customer_id, kind, amount, received, term.shifts.current(), cashier)
        payments.append((done.payment_id, kind.value, amount))
        counts["payments"] += 1
        counts["paid"] += amount
        if kind is TenderKind.CASH:
            counts["paid_cash"] += amount
    if payments:
        payment_id, paid_in, paid = next((p for p in payments if p[1] == "debit"), payments[-1])
        service.reverse(payment_id, SUPERVISOR_PIN, "Tarjeta rechazada", cashier=cashier)
        counts["reversed"] += 1
        counts["reversed_amount"] += paid
        if paid_in == "cash":
            counts["paid_cash"] -= paid


def _shift(term: terminal_mod.Terminal, sales: int, rng: random.Random, manager: User) -> dict[str, Any]:
    session = terminal_mod.session_presenter(term)
    _user_id, name, _role, pin = seed.DEMO_USERS[0]  # Ana: "ana" when seeded here, HQ's id when HQ created her
    session.sign_in(next(u for u, n, _r in read_models.users(term.journal.conn) if n == name), pin)
    session.open_shift("30000")
    shift = term.shifts.current()
    assert shift is not None
    cashier = _Cashier(term, rng)
    cashier.sale.start(session.user, shift.shift_id, shift.number)  # type: ignore[arg-type]
    on_credit = _fiado_customers(term, manager)
    fiado_counts = {"customers": len(FIADO_CUSTOMERS), "accounts": len(on_credit), "sales_on_credit": 0,
                    "charged": 0, "approved_over_limit": 0, "payments": 0, "paid": 0, "paid_cash": 0, "reversed": 0,
                    "reversed_amount": 0}
    by_tender: dict[str, int] = {}
    change = rounding = 0
    for i in range(sales):
        cashier.ring_up()
        done: Completed | None
        if i % FIADO_EVERY == 1:
            done = cashier.pay_on_credit(on_credit[(i // FIADO_EVERY) % len(on_credit)], fiado_counts)
        else:
            payment = cashier.pay()
            payment.close()  # its receipt prints in the background; the summary counts the files at the end
            done = payment.completed
        assert done is not None
        for t in done.event.tenders:
            by_tender[t.kind] = by_tender.get(t.kind, 0) + t.received
        change += done.event.change
        rounding += done.event.rounding
        if i == sales // 2:
            session.cash_move("out", "20000", "Depósito banco", SUPERVISOR_PIN)
            session.cash_move("in", "5000", "Sencillo")
    assert session.user is not None
    _collect(term, session.user, on_credit, fiado_counts)
    _returns(term, cashier, shift.shift_id, session.user.user_id if session.user else "")
    current = term.shifts.current()
    assert current is not None
    expected = current.expected()
    counted = {k: str(v) for k, v in expected.items()}
    counted[TenderKind.CASH] = str(expected[TenderKind.CASH] - rng.choice([0, 0, 10, 100]))
    closed_view = session.close_shift(counted)
    term.receipts.wait_idle(60)  # receipts and the Z report print in the background: wait for the last one
    closed = read_models.shift(term.journal.conn, current.shift_id)
    assert closed is not None
    results = {r.kind.value: {"expected": r.expected, "counted": r.counted, "difference": r.difference}
               for r in closed.results()}
    journal_length = term.journal.verify()
    receipts_dir = Path(term.settings.printer_config().path)
    return {
        "sales": closed.sales_count,
        "total": closed.sales_total,
        "totals_by_tender": by_tender,
        "neto": closed.neto, "iva": closed.iva, "exento": closed.exento,
        "rounding": rounding, "change_given": change,
        "journal_length": journal_length, "journal_verified": True,
        "receipts": len(list(receipts_dir.glob("*.bin"))),
        "receipts_pending": len(term.receipts.pending()),
        "cashier_actions": cashier.counts,
        "shift": {"number": closed.number, "state": closed.state.value, "opening_float": closed.opening_float,
                  "cash_in": closed.cash_in, "cash_out": closed.cash_out, "result": results,
                  "message": closed_view.message},
        "fiado": {**fiado_counts, "sold_on_credit_in_shift": closed.fiado_sales,
                  "payments_in_shift": closed.fiado_payments},
        "customers_with_balance": len(fiado_queries.balances(term.journal.conn, only_with_balance=True)),
        "products": term.journal.conn.execute("SELECT COUNT(*) FROM products").fetchone()[0],
        "stock_units_sold": str(_units_sold(term)),
    }


def _returns(term: terminal_mod.Terminal, cashier: _Cashier, shift_id: str, cashier_id: str) -> None:
    """A customer brings back a whole receipt (its timbre scanned), another one line of a sale (picked)."""
    returns = term.returns
    if returns is None or not term.journal.conn.execute(
            "SELECT 1 FROM folio_leases WHERE tipo = 61").fetchone():
        return
    stamped = [e.payload for e in term.journal.read() if e.type == "sale.completed" and e.payload.get("document")]
    if len(stamped) < 4:
        return
    for sale, partial in ((stamped[1], False), (stamped[-2], True)):
        screen = ReturnPresenter(returns, cashier_id=cashier_id, shift_id=shift_id)
        screen.open()
        view = screen.pick(sale["sale_id"]) if partial else screen.lookup(sale["document"]["ted"])
        if partial:
            screen.select(view.lines[0].line_id)
            screen.set_quantity("1" if not view.lines[0].weighed else "0,100")
        else:
            screen.everything()
        screen.request()
        done = screen.authorise(SUPERVISOR_PIN, "Producto en mal estado" if partial else "Cliente se arrepiente")
        if done.stage != "done":
            raise RuntimeError(f"demo return failed: {done.message}")
        cashier.counts["returns"] += 1


def _units_sold(term: terminal_mod.Terminal) -> Decimal:
    total = Decimal(0)
    for entry in term.journal.read():
        if entry.type == "sale.completed":
            total += sum((Decimal(x["quantity"]) for x in entry.payload["lines"]), Decimal(0))
    return total


class _BackOffice:
    """What the store's manager does in the back office, through its services (``Terminal.purchases``,
    ``transfers``, ``counts``, ``mermas``), as Rosa (administradora)."""

    def __init__(self, term: terminal_mod.Terminal, rng: random.Random) -> None:
        self.term = term
        self.rng = rng
        _user_id, name, _role, pin = seed.DEMO_USERS[3]  # Rosa: "rosa" when seeded here, HQ's id when HQ made her
        user_id = next(u for u, n, _r in read_models.users(term.journal.conn) if n == name)
        self.manager: User = term.auth.sign_in(user_id, pin)
        self.store = term.journal.identity.store_id
        self.bodega = inventory_service.bodega_of(self.store)
        conn = term.journal.conn
        packaged = [r[0] for r in conn.execute(
            "SELECT p.sku FROM products p WHERE p.active AND p.sold_by = 'unit' AND p.sku IN"
            " (SELECT sku FROM barcodes) ORDER BY p.sku")]
        self.bought = rng.sample(packaged, 12)
        self.counts = {"purchases": 0, "purchase_lines": 0, "transfers": 0, "transfer_lines": 0, "counts_posted": 0,
                       "count_lines": 0, "count_adjusted": 0, "mermas": 0, "merma_value": 0}

    def _cost(self, sku: str) -> int:
        """What the supplier charges: about 60 % of the shelf price without IVA, CLP neto per unit."""
        product = read_models.by_sku(self.term.journal.conn, sku)
        assert product is not None
        return max(1, round(product.price / 1.19 * self.rng.uniform(0.5, 0.7)))

    def receive_goods(self) -> None:
        """A factura electrónica (typed in without its XML) for the sala and a guía de despacho into the bodega, line
        by line; then part of what came to the bodega goes to the sala."""
        service = self.term.purchases
        transfers = self.term.transfers
        assert service is not None and transfers is not None
        rut, razon, giro = SUPPLIER
        for tipo, folio, warehouse, skus in ((purchase_events.FACTURA, SUPPLIER_FACTURA, self.store, self.bought[:8]),
                                             (purchase_events.GUIA_DESPACHO, 812, self.bodega, self.bought[6:])):
            lines = [service.manual_line(sku, str(self.rng.randint(12, 48)), str(self._cost(sku))) for sku in skus]
            service.record_manual(self.manager, rut, tipo, folio, self.term.journal.clock().date().isoformat(),
                                  lines, warehouse=warehouse, razon_social=razon, giro=giro)
            self.counts["purchases"] += 1
            self.counts["purchase_lines"] += len(lines)
        self._move(self.bodega, self.store, [(sku, str(self.rng.randint(4, 10))) for sku in self.bought[8:11]])

    def _move(self, source: str, target: str, lines: list[tuple[str, str]]) -> None:
        transfers = self.term.transfers
        assert transfers is not None
        transfers.send(self.manager, lines, from_warehouse=source, to_warehouse=target)
        self.counts["transfers"] += 1
        self.counts["transfer_lines"] += len(lines)

    def close_the_day(self) -> None:
        """Goods back to the bodega, a count of the sala (some counted as expected, some one off) and a merma."""
        counts, mermas = self.term.counts, self.term.mermas
        assert counts is not None and mermas is not None
        self._move(self.store, self.bodega, [(sku, "2") for sku in self.bought[:2]])
        started = counts.start(self.manager, self.store)
        conn = self.term.journal.conn
        for sku in self.bought[:8]:
            off = self.rng.choice((-2, -1, 0, 0, 1))
            on_shelf = max(inventory_queries.on_hand(conn, sku, self.store) + off, Decimal(0))
            counts.count(self.manager, started.count_id, sku, str(int(on_shelf)))
        posted = counts.post(self.manager, started.count_id, "Toma semanal de la sala")
        self.counts["counts_posted"] += 1
        self.counts["count_lines"] += len(posted.lines)
        self.counts["count_adjusted"] += sum(1 for x in posted.lines if x.delta)
        sku = self.bought[2]
        try:
            merma = mermas.record(self.manager, sku, "2", "vencimiento", note="Vencido en la góndola")
        except MermaNeedsPin:
            merma = mermas.record(self.manager, sku, "2", "vencimiento", note="Vencido en la góndola",
                                  supervisor_pin=SUPERVISOR_PIN)
        self.counts["mermas"] += 1
        self.counts["merma_value"] += merma_value(merma)

    def summary(self) -> dict[str, Any]:
        """What the manager did, and the store's stock at cost: ``stock_value_at_cost`` (CLP neto of everything on
        hand in its warehouses, the Stock page's total) and the units per warehouse."""
        conn = self.term.journal.conn
        rows = inventory_queries.stock_list(conn, "", limit=1_000_000)
        per_warehouse = {w: str(sum(inventory_queries.warehouse_quantities(conn, w).values(), Decimal(0)))
                         for w in inventory_queries.warehouses(conn)}
        return {"back_office": self.counts, "stock_value_at_cost": sum(r.value for r in rows),
                "units_per_warehouse": per_warehouse,
                "kardex_rows": conn.execute("SELECT count(*) FROM kardex").fetchone()[0]}
