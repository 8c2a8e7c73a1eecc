"""Issue 13's proof: two tills of store centro and one of store norte charge and collect from the same customers
offline for a simulated week (each till's clock moved a day at a time, no sync), then sync: at the master every
balance equals the sum of its entries and ``shared.fiado.fold`` of the three journals, each till's balance after the
next pull equals the master's (Juana, typed in again at norte before its first sync, is merged by RUT with both
histories counted), a return of a sale on credit credits the account, the customer the two centro tills together
took past the limit is flagged (and after the pull every till's Clientes shows the master's flag), each store's
fiado settings reach its other tills, every shift counted its abonos and no fiado in the drawer, and HQ's statement PDF
(read back with pdftotext, turned to PNG with pdftoppm) closes at the master's balance."""

from __future__ import annotations

import itertools
import random
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import seed
from desktop.drivers.fakes import FakeDrawer, FakePrinter
from desktop.journal import fiado_queries, read_models
from desktop.net.sync_client import SyncClient
from desktop.presenters.backoffice import customers as customers_page
from desktop.presenters.backoffice.customer_sources import JournalCustomers, flag_text
from desktop.services.sync import SyncService
from shared import errors, fiado, signing
from shared.sale import Tender, TenderKind
from syncserver import tenancy
from syncserver.hq.web import fmt_clp
from tests.e2e import sync_kit
from tests.e2e.conftest import Till

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
                                 reason="needs poppler-utils (pdftoppm, pdftotext)")]

ROWS = sync_kit.catalog_rows(20)  # prices 300 + 70 i; P019 is $1.630 a unit
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=fiado.CHILE)
SHOTS = Path(__file__).parents[2] / "artifacts" / "screenshots"
CUSTOMERS = (  # name, RUT, phone, limit
    ("Juana Pérez", "12.345.678-5", "+56 9 8765 4321", 50_000),
    ("Pedro Soto", "", "9 1234 5678", 30_000),
    ("Luz Muñoz", "11.111.111-1", "", 20_000),
)


class MovingClock:
    """A till's clock that the test moves by hand (a simulated week in seconds)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def tills(server: Any, tmp_path: Path) -> Iterator[Callable[[str], tuple[Till, MovingClock]]]:
    """Enrolled tills of tenant 1 (as ``conftest.make_till``), each on its own :class:`MovingClock`."""
    made: list[Till] = []
    counter = itertools.count(1)
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

    def factory(store_id: str) -> tuple[Till, MovingClock]:
        n = next(counter)
        terminal_id = str(uuid.uuid4())
        code = server.run(lambda pool: tenancy.issue_enrollment_code(pool, 1, store_id, f"Caja {n}"))
        key = signing.new_private_key()
        client = SyncClient(server.url, terminal_id, key)
        client.enroll(str(code), signing.public_key(key))
        clock = MovingClock(MONDAY)
        s = settings_mod.TerminalSettings(data_dir=tmp_path / f"till{n}", tenant_id=1, store_id=store_id,
                                          terminal_id=terminal_id)
        term = terminal_mod.build(s, clock=clock, create=True, printer=FakePrinter(), drawer=FakeDrawer(),
                                  hasher=hasher)
        seed.seed(term, ROWS)
        till = Till(term, client, SyncService(term.journal, client))
        made.append(till)
        return till, clock

    yield factory
    for till in made:
        till.client.close()
        till.terminal.close()


def synced(*tills: Till) -> None:
    """Each till syncs (push and pull) until it has nothing left to push."""
    for till in tills:
        for _ in range(6):
            status = till.sync.sync_once(till.terminal.journal.clock())
            assert status.online, status
            if status.pending == 0:
                break
        assert status.pending == 0, status


class Counter:
    """What one till does over the week, through its services, as Ana (cajera) with Marta (supervisora) and Rosa
    (administradora) at hand."""

    def __init__(self, till: Till, clock: MovingClock, rng: random.Random) -> None:
        self.till, self.term, self.clock, self.rng = till, till.terminal, clock, rng
        self.ana = self.term.auth.sign_in("ana", "1234")
        self.rosa = self.term.auth.sign_in("rosa", "0000")
        self.approved = 0
        self.payments: list[str] = []

    @property
    def conn(self) -> Any:
        return self.term.journal.conn

    def open_shift(self) -> None:
        shift = self.term.shifts.current() or self.term.shifts.open(self.ana, 20_000)
        self.term.checkout.start(self.ana, shift.shift_id)

    def sell_on_credit(self, customer_id: str, on_credit: int | None = None) -> int:
        """A sale of 1-3 random lines put on ``customer_id``'s account (all of it, or ``on_credit`` of it and the
        rest in cash); over the limit or the offline allowance Marta's PIN lets it pass. Returns the charge."""
        checkout = self.term.checkout
        if on_credit is None:
            for _ in range(self.rng.randint(1, 3)):
                product = read_models.by_plu(self.conn, str(4000 + self.rng.randrange(1, 20)))
                qty = Decimal(self.rng.randint(100, 900)) / 1000 if product.weighed else Decimal(self.rng.randint(1, 2))
                checkout.add_product(product, qty)
        else:
            checkout.add_product(read_models.by_plu(self.conn, "4019"), Decimal(-(-on_credit // 1630)))
        total = checkout.sale.totals().total
        amount = total if on_credit is None else on_credit
        cash = total - amount
        tenders = (Tender(TenderKind.FIADO, amount),) + ((Tender(TenderKind.CASH, cash + 10),) if cash else ())
        checkout.attach_customer(customer_id)
        try:
            checkout.complete(tenders)
        except errors.FiadoOverLimit as over:
            assert over.needs_supervisor
            marta = checkout.approve_fiado("9999", "Cliente conocido")
            checkout.complete(tenders, fiado_approved_by=marta.user_id)
            self.approved += 1
        return amount

    def collect(self, customer_id: str) -> int:
        """An abono of part of what this till knows the customer owes (cash, debit or transfer); 0 when it knows
        of no debt."""
        owed = fiado_queries.account(self.conn, customer_id).balance
        if owed <= 0:
            return 0
        amount = max(1, owed * self.rng.randint(30, 100) // 100)
        kind = self.rng.choice((TenderKind.CASH, TenderKind.DEBIT, TenderKind.TRANSFER))
        received = amount + 1000 if kind is TenderKind.CASH else amount
        done = self.term.fiado.pay(customer_id, kind, amount, received, self.term.shifts.current(), self.ana)
        self.payments.append(done.payment_id)
        return amount

    def close_shift(self) -> Any:
        shift = self.term.shifts.current()
        counted = {k: v for k, v in shift.expected().items()}
        return self.term.shifts.close(self.ana, counted)

    def entries(self) -> list[fiado.Entry]:
        """The ledger entries this till made (``shared.fiado.entries`` of its journal but what the master
        forwarded)."""
        journal = self.term.journal
        return [x for e in journal.read() if e.type != "fiado.entry_received"
                for x in fiado.entries(e, journal.codec.decode(e.type, e.version, e.payload))]


def test_a_week_of_fiado_at_three_offline_tills_folds_the_same_everywhere(server, tills, tmp_path):
    sync_kit.setup_tenants(server)
    (a1, c1), (a2, c2), (b1, c3) = tills("centro"), tills("centro"), tills("norte")
    sync_kit.lease_sample_folios(server, 1, lease_size=6)  # boletas and notas de crédito for each till
    rng = random.Random(13)
    at = [Counter(a1, c1, rng), Counter(a2, c2, rng), Counter(b1, c3, rng)]
    clocks = (c1, c2, c3)

    # Monday, online: Rosa creates the customers at caja 1 of centro and enables their fiado; each store's
    # manager sets its offline allowance; every till pulls them
    service = a1.terminal.fiado
    ids = [service.save_customer(name, rut, phone, "", "", at[0].rosa) for name, rut, phone, _limit in CUSTOMERS]
    for customer_id, (*_rest, limit) in zip(ids, CUSTOMERS, strict=True):
        service.set_account(customer_id, True, limit, at[0].rosa)
    service.set_settings(15_000, "credit", at[0].rosa)
    juana, pedro, luz = ids
    # meanwhile at norte, before its first sync, Juana is typed in again (the same RUT) and buys on credit there
    norte = b1.terminal.fiado
    norte.set_settings(10_000, "credit", at[2].rosa)
    twin = norte.save_customer("Juana Perez", CUSTOMERS[0][1], "", "Pasaje 3", "", at[2].rosa)
    norte.set_account(twin, True, 40_000, at[2].rosa)
    at[2].open_shift()
    first = at[2].sell_on_credit(twin)
    synced(a1, a2, b1)
    synced(a1, a2, b1)  # what the master folded from caja 1 and merged from norte reaches the others on this pull
    assert sync_kit.master(server, "SELECT alias_id, customer_id FROM customer_aliases", 1) == [(twin, juana)]
    limits = dict(sync_kit.master(server, "SELECT customer_id, credit_limit FROM fiado_accounts", 1))
    assert (limits[pedro], limits[luz]) == (CUSTOMERS[1][3], CUSTOMERS[2][3])
    for customer_id in ids:  # every till now holds the master's view (for Juana: the account last set, at norte)
        accounts = {(a.enabled, a.limit, a.balance) for a in (fiado_queries.account(c.conn, customer_id) for c in at)}
        assert accounts == {(True, limits[customer_id], first if customer_id == juana else 0)}, accounts
    # each store's fiado settings reached its other tills (caja 2 of centro never set them)
    for counter, allowance in zip(at, (15_000, 15_000, 10_000), strict=True):
        assert (fiado_queries.settings(counter.conn).offline_allowance,
                fiado_queries.settings(counter.conn).overpayment) == (allowance, "credit")
    for counter in at:
        counter.open_shift()

    # Tuesday to Sunday, offline: sales on credit and abonos at every till
    for day in range(1, 7):
        for clock in clocks:
            clock.now = MONDAY + timedelta(days=day)
        for counter in at:
            for _ in range(2):
                counter.sell_on_credit(rng.choice((juana, pedro)))
                counter.clock.now += timedelta(minutes=rng.randint(5, 90))
            counter.collect(rng.choice((juana, pedro)))
        if day == 3:  # caja 2 reverses one of its abonos (the card was declined)
            payment = at[1].payments[0]
            at[1].term.fiado.reverse(payment, "9999", "Tarjeta rechazada", cashier=at[1].ana)
            with pytest.raises(errors.PaymentAlreadyReversed):
                at[1].term.fiado.reverse(payment, "9999", "Otra vez", cashier=at[1].ana)
        if day == 4:  # at norte a customer brings back a sale made on credit: the nota de crédito credits the account
            on_credit = [e.payload for e in b1.terminal.journal.read() if e.type == "sale.completed"
                         and e.payload.get("document")
                         and (e.payload.get("fiado") or {}).get("amount") == e.payload["total"]]
            returned = sync_kit.give_back(b1.terminal, on_credit[0]["sale_id"], None, "Producto vencido")
            assert [(t.kind, t.amount) for t in returned.refunds] == [("fiado", on_credit[0]["total"])]
            assert returned.customer_id == on_credit[0]["customer_id"]
        if day == 5:  # both centro tills put Luz on credit: each within what it knows, together past her limit
            assert at[0].sell_on_credit(luz, 12_000) == at[1].sell_on_credit(luz, 12_000) == 12_000
    for counter in at:  # a charge a supervisor let pass names them in the sale
        approved = [e for e in counter.term.journal.read() if e.type == "sale.completed"
                    and (e.payload.get("fiado") or {}).get("approved_by")]
        assert len(approved) == counter.approved
    closed = [counter.close_shift() for counter in at]

    # the week's fiado in each shift: sales on credit apart, abonos in the drawer, nothing counted as fiado
    for counter, report in zip(at, closed, strict=True):
        own = counter.entries()
        shift = report.report.shift
        assert shift.fiado_sales == sum(x.amount for x in own if x.kind == "cargo")
        assert shift.fiado_payments == -sum(x.amount for x in own if x.kind in ("abono", "reverso"))
        assert TenderKind.FIADO not in {r.kind for r in report.report.results}

    # sync: push the week, then every till pulls what the others did
    synced(a1, a2, b1)
    synced(a1, a2, b1)
    made = [x for counter in at for x in counter.entries()]
    assert {x.kind for x in made} == {"cargo", "abono", "reverso", "devolucion"}
    ledger = fiado.fold(made, {twin: juana})
    master_entries = dict(sync_kit.master(server, "SELECT entry_id, amount FROM fiado_entries", 1))
    assert master_entries == {x.entry_id: x.amount for x in made}
    master_balances = dict(sync_kit.master(server, "SELECT customer_id, balance FROM fiado_balances", 1))
    sums = dict(sync_kit.master(server, "SELECT COALESCE(a.customer_id, e.customer_id), sum(e.amount) FROM"
                                        " fiado_entries e LEFT JOIN customer_aliases a ON a.alias_id = e.customer_id"
                                        " GROUP BY 1", 1))
    for customer_id in ids:
        expected = ledger.balance(customer_id)
        assert master_balances[customer_id] == int(sums[customer_id]) == expected
        for counter in at:
            assert fiado_queries.account(counter.conn, customer_id).balance == expected
    assert ledger.balance(luz) == 24_000 > CUSTOMERS[2][3]

    # the master flagged Luz for the manager and HQ, naming both centro tills
    flags = sync_kit.master(server, "SELECT kind, terminals, stores FROM fiado_flags WHERE customer_id = %s", 1,
                            (luz,))
    assert any(kind == "over_limit" and {a1.terminal.journal.identity.terminal_id,
                                         a2.terminal.journal.identity.terminal_id} <= set(terminals)
               for kind, terminals, _stores in flags), flags
    # ... and after the pull every till's back office (Clientes) shows it: a mark on Luz's row, the text in her form
    open_flags = tuple(d for (d,) in sync_kit.master(
        server, "SELECT detail FROM fiado_flags WHERE customer_id = %s AND resolved_at IS NULL ORDER BY raised_at", 1,
        (luz,)))
    assert open_flags and open_flags[0].startswith("Saldo de $24.000 sobre el límite"), open_flags
    for counter in at:
        assert fiado_queries.flags(counter.conn, luz) == open_flags
        [row] = [r for r in JournalCustomers(counter.conn).customers("Luz", False, False, 20) if r.customer_id == luz]
        assert row.flag == flag_text(open_flags)
        line = customers_page.line_of(row, date(2026, 12, 7))
        assert line.flag == "over" and line.detail.startswith("⚑ Alerta del servidor: Saldo de $24.000")

    # HQ's estado de cuenta of Juana for the week, as a PDF: read back, and turned to PNG
    with sync_kit.hq_owner(server) as hq:
        answer = hq.get(f"/hq/clientes/{juana}/estado.pdf", params={"desde": "2026-11-30", "hasta": "2026-12-06"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf", answer.text[:300]
    pdf = tmp_path / "estado.pdf"
    pdf.write_bytes(answer.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    closing = fmt_clp(ledger.balance(juana))
    assert "Juana Pérez" in text and "Saldo final" in text
    assert any("Saldo final" in line and closing in line for line in text.splitlines()), (closing, text)
    statement = fiado.statement([x for x in made if x.customer_id in (juana, twin)], date(2026, 11, 30),
                                date(2026, 12, 6))
    assert statement.closing == ledger.balance(juana) and statement.opening == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf), str(SHOTS / "fiado_week_statement")],
                   check=True)
    assert (SHOTS / "fiado_week_statement.png").stat().st_size > 10_000
