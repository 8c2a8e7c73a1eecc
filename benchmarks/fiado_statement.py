"""fiado_statement: a customer's fiado balance and whole estado de cuenta at the till, the customer having 10,000
ledger entries.

The journal is the 100k-product catalog plus one regular customer's two years of fiado, written through the
journal's real append path (``UnitOfWork.append``: the rules, the sealed envelope, every projection): per 100
events 72 sales on credit, 22 payments (cash, debit, transfer), 3 returns credited to the account, 1 payment
reversed and 2 charges the master forwarded from another store; beside them 300 other customers with 6 entries
each. The figure is ``fiado_queries.account`` + ``fiado_queries.statement`` over the whole history (every entry a
line, with its running balance), p50 over repeated calls on the till's own connection (the target is checked at
p99); the statement of the last month and the first page of ``statement_page`` are reported beside it, and the very
first call (cold page cache) apart. What the customer gets on paper is timed once each: the last month's statement
PDF as the first one after start-up (``FiadoService.statement_pdf``, reportlab's imports included), then the whole
history's, and the last week on the roll (``print_statement``: at most 300 movements).

Baseline: the journal's cheapest read of as many rows, in the same run and on the same connection: the newest
10,000 entries of the ``events`` table by its primary key, timed right after each call. Issue 13's target is 50 ms.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from benchmarks import common
from desktop.journal import fiado_queries
from desktop.terminal import Terminal
from shared import money
from shared.events import fiado, returns, sales
from shared.sale import Tender, TenderKind

NAME = "fiado_statement"
TARGET_MS = 50.0
BATCH = 500
"""Events appended per unit of work while building."""
CUSTOMER = "0190a000-0000-7000-8000-00000000f1ad"
BASELINE_SQL = "SELECT seq, occurred_at, type, payload FROM events WHERE epoch = ? ORDER BY seq DESC LIMIT ?"


def _customer_id(n: int) -> str:
    return f"0190a000-0000-7000-8001-{n:012d}"


def build(term: Terminal, entries: int, others: int, log: Callable[[str], None]) -> int:
    """Journal ``entries`` fiado events of :data:`CUSTOMER` (and 6 of each of ``others`` customers), one or two
    hours apart, ending near the terminal clock's start; returns how many ledger entries the customer has."""
    _ana, shift = common.start_selling(term)
    barcode = term.journal.conn.execute("SELECT min(code) FROM barcodes").fetchone()[0]
    term.checkout.scan(barcode)
    template = term.checkout.complete((Tender(TenderKind.CASH, money.round_cash(term.checkout.sale.totals().total)),
                                       )).event
    journal = term.journal
    clock = journal.clock
    assert isinstance(clock, common.Clock)
    clock.now -= timedelta(days=730)
    rng = random.Random(13)
    number = itertools.count(template.number + 1)
    folio = itertools.count(1)
    balances: dict[str, int] = {}
    payments: list[tuple[str, str, int]] = []
    sold: list[sales.SaleCompleted] = []

    def on_credit(customer: str, amount: int) -> sales.SaleCompleted:
        line = dataclasses.replace(template.lines[0], quantity=template.lines[0].quantity, unit_price=amount,
                                   amount=amount, discount=0)
        split = money.split_iva(amount, 0)
        before = balances.get(customer, 0)
        balances[customer] = before + amount
        return dataclasses.replace(
            template, sale_id=journal.new_id(), number=next(number), lines=(line,), total=amount, affected=amount,
            neto=split.neto, iva=split.iva, exento=0, discount=0, rounding=0, change=0, document=None,
            tenders=(sales.TenderTaken("fiado", amount, amount),), customer_id=customer,
            fiado=fiado.FiadoCharge(amount, before, 1_000_000))

    def paid(customer: str) -> fiado.FiadoPaid:
        before = balances.get(customer, 0)
        amount = max(1000, min(before, rng.randrange(20, 50) * 1000))
        kind = rng.choice(("cash", "cash", "debit", "transfer"))
        balances[customer] = before - amount
        payment = fiado.FiadoPaid(journal.new_id(), customer, shift.shift_id, "ana", kind, amount, amount, before)
        payments.append((payment.payment_id, kind, amount))
        return payment

    def returned(sale: sales.SaleCompleted) -> returns.ReturnCompleted:
        line = sale.lines[0]
        split = money.split_iva(sale.total, 0)
        balances[sale.customer_id] -= sale.total
        return returns.ReturnCompleted(
            journal.new_id(), sale.sale_id, sale.shift_id, "ana", "admin", "producto vencido",
            (returns.LineReturned(line.line_id, line.sku, line.name, line.unit_price, line.quantity, line.sold_by,
                                  line.iva_exempt, line.amount),), sale.total, split.neto, split.iva, 0,
            (sales.TenderTaken("fiado", sale.total, sale.total),), 39, next(folio), True, None, sale.customer_id)

    def reversed_(customer: str) -> fiado.FiadoPaymentReversed:
        payment_id, kind, amount = payments.pop(rng.randrange(len(payments)))
        balances[customer] += amount
        return fiado.FiadoPaymentReversed(journal.new_id(), payment_id, customer, shift.shift_id, "admin",
                                          "pago rechazado por el banco", kind, amount)

    def forwarded(customer: str) -> fiado.FiadoEntryReceived:
        amount = rng.randrange(1, 20) * 990
        balances[customer] = balances.get(customer, 0) + amount
        at = (clock.now - timedelta(minutes=30)).astimezone().isoformat(timespec="milliseconds")
        return fiado.FiadoEntryReceived(journal.new_id(), customer, "cargo", amount, "norte", "norte-caja-1",
                                        f"Boleta N° {rng.randrange(1, 99999)} · Local Norte", "", at)

    def event_for(i: int) -> Any:
        step = i % 100
        if step < 72:
            sale = on_credit(CUSTOMER, rng.randrange(3, 60) * 290)
            sold.append(sale)
            return sale
        if step < 94:
            return paid(CUSTOMER)
        if step < 97:
            return returned(sold.pop(rng.randrange(len(sold))))
        if step < 98 and payments:
            return reversed_(CUSTOMER)
        return forwarded(CUSTOMER)

    setup: list[Any] = [fiado.CustomerProfileSaved(CUSTOMER, "Rosa Elena Muñoz", "12345678-5", "+56 9 8765 4321",
                                                   "Los Aromos 1234", "paga los viernes", "ana"),
                        fiado.FiadoAccountSet(CUSTOMER, True, 1_000_000, "admin"),
                        fiado.FiadoSettingsSet(20_000, "credit", "admin")]
    for n in range(others):
        setup += [fiado.CustomerProfileSaved(_customer_id(n), f"Cliente {n}", "", f"9{n:08d}", "", "", "ana"),
                  fiado.FiadoAccountSet(_customer_id(n), True, 100_000, "admin")]
    journal.append(*setup)
    step = timedelta(days=730) / max(entries, 1)
    pending: list[Any] = []
    for i in range(entries):
        clock.now += step
        pending.append(event_for(i))
        if i % (entries // max(others, 1) or 1) == 0:
            for n in rng.sample(range(others), min(6, others)):
                pending.append(on_credit(_customer_id(n), rng.randrange(2, 30) * 500))
        if len(pending) >= BATCH:
            journal.append(*pending)
            pending = []
    if pending:
        journal.append(*pending)
    account = fiado_queries.account(journal.conn, CUSTOMER)
    if account.balance != balances[CUSTOMER]:
        raise AssertionError(f"the till's balance {account.balance} is not the sum of what was journaled "
                             f"{balances[CUSTOMER]}")
    log(f"  {account.entries:,} entries of one customer, balance {money.format_clp(account.balance)}")
    return account.entries


def run(ws: common.Workspace, sizes: common.Sizes, log: Callable[[str], None] = print) -> common.Result:
    folder = ws.fresh_copy("fiado")
    term = common.open_terminal(folder, id_prefix=33)
    try:
        log(f"journaling {sizes.fiado_entries:,} fiado entries of one customer ...")
        started = time.perf_counter()
        entries = build(term, sizes.fiado_entries, 300, log)
        build_seconds = time.perf_counter() - started
        conn = term.journal.conn
        epoch = term.journal.identity.epoch
        today = term.journal.clock().date()
        start, month = today - timedelta(days=800), today - timedelta(days=30)

        def balance_and_statement(first: date) -> tuple[fiado_queries.Account, Any]:
            return fiado_queries.account(conn, CUSTOMER), fiado_queries.statement(conn, CUSTOMER, first, today)

        started = time.perf_counter()
        account, sheet = balance_and_statement(start)
        cold = time.perf_counter() - started
        if len(sheet.lines) != entries or sheet.closing != account.balance or sheet.opening != 0:
            raise AssertionError(f"the statement has {len(sheet.lines)} lines closing at {sheet.closing}, not "
                                 f"{entries} closing at {account.balance}")

        ours: list[float] = []
        base: list[float] = []
        monthly: list[float] = []
        paged: list[float] = []
        for _ in range(sizes.fiado_samples):
            started = time.perf_counter()
            account, sheet = balance_and_statement(start)
            ours.append(time.perf_counter() - started)

            started = time.perf_counter()
            rows = conn.execute(BASELINE_SQL, (epoch, entries)).fetchall()
            base.append(time.perf_counter() - started)
            if len(rows) != entries or len(sheet.lines) != entries:
                raise AssertionError("a read came back short")

            started = time.perf_counter()
            balance_and_statement(month)
            monthly.append(time.perf_counter() - started)
            started = time.perf_counter()
            page = fiado_queries.statement_page(conn, CUSTOMER, start, today)
            paged.append(time.perf_counter() - started)
            if len(page.rows) != 200 or not page.more:
                raise AssertionError("the first statement page is wrong")
        # What the customer gets on paper (desktop.services.fiado): the whole history as the PDF the back office
        # writes (reads + drawing + the file), and the last week on the roll (reads + ESC/POS), one run each.
        assert term.fiado is not None
        started = time.perf_counter()
        term.fiado.statement_pdf(CUSTOMER, month, today, folder / "mes.pdf")  # the first pays reportlab's imports
        first_pdf_seconds = time.perf_counter() - started
        started = time.perf_counter()
        pdf = term.fiado.statement_pdf(CUSTOMER, start, today, folder / "estado.pdf")
        pdf_seconds = time.perf_counter() - started
        started = time.perf_counter()
        term.fiado.print_statement(CUSTOMER, today - timedelta(days=7), today)
        roll_seconds = time.perf_counter() - started
        pdf_kb = pdf.stat().st_size // 1024
    finally:
        term.close()

    p50, b50 = common.percentile(ours, 50), common.percentile(base, 50)
    return common.Result(
        NAME, common.ms(p50), "ms", common.ms(b50), target=f"p99 <= {TARGET_MS:g} ms",
        met=common.percentile(ours, 99) * 1000 <= TARGET_MS,
        extra={"p50": common.ms(p50), "p99": common.ms(common.percentile(ours, 99)), "cold_ms": common.ms(cold),
               "last_month_p50": common.ms(common.percentile(monthly, 50)),
               "first_page_p50": common.ms(common.percentile(paged, 50)),
               "entries": entries, "samples": len(ours), "journal_build_s": round(build_seconds, 1),
               "pdf_first_last_month_ms": common.ms(first_pdf_seconds),
               "pdf_whole_history_ms": common.ms(pdf_seconds), "pdf_kb": pdf_kb,
               "roll_last_week_ms": common.ms(roll_seconds)})
