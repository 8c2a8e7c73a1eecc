"""Seeded fault runs of tills selling and syncing, and the convergence oracle (``scripts/prove-faults``).

One seed is one run: a fresh master database served by a real server process, one to three tills of two tenants
enrolled on it, and a seeded plan of steps: sell, sync through ``proxy.FaultProxy`` (drop, delay, duplicate, cut
requests and replies), SIGKILL the server while a till pushes, jump a till's clock, copy a till's journal and
later put that copy back (a restored till, which must continue as a new epoch). Then the faults stop, every till
syncs until nothing is pending, and the oracle compares the master with what the tills acknowledged
(:func:`oracle`). ``python -m proofs.faults --seeds N`` runs seeds in worker processes, each with its own cluster.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import random
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from argon2 import PasswordHasher

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import seed as demo_seed
from desktop.drivers.fakes import FakeDrawer, FakePrinter
from desktop.journal import read_models
from desktop.net.sync_client import SyncClient
from desktop.services.sync import SyncService, SyncStatus
from proofs.proxy import KINDS, FaultProxy
from proofs.server import Masters, ServerProcess, Zygote, run_app
from shared import errors as shared_errors
from shared import signing
from shared.events import envelope
from shared.sale import Tender, TenderKind
from syncserver import tenancy
from syncserver.pgcluster import LocalCluster

CHILE = timezone(timedelta(hours=-3))
PRODUCTS = 12
ROWS = [{"sku": f"P{i:03d}", "name": f"Producto {i}", "price": str(300 + 70 * i), "category": "Abarrotes",
         "sold_by": "kg" if i % 7 == 0 else "unit", "barcode": "", "plu": str(4000 + i), "brand": "",
         "iva_exempt": "0", "favourite": "0", "stock": "50"} for i in range(PRODUCTS)]
STORES = ((1, "centro"), (1, "norte"), (2, "esquina"))
CLOCK_JUMPS = (timedelta(minutes=-5), timedelta(hours=-2), timedelta(days=-3), timedelta(minutes=7),
               timedelta(hours=3), timedelta(days=40))
STEP_KINDS = ("sell", "sync", "clock", "backup", "restore", "kill")
HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class TillClock:
    """The till's wall clock: real time plus an offset that a step jumps (a clock set by hand, NTP, a flat battery)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(CHILE) + self.offset


@dataclass
class Acked:
    """A sale whose ``complete`` returned at a till (the cashier saw it done)."""

    sale_id: str
    till: int
    total: int
    discarded: bool = False  # sold after the copy that was put back, never synced: gone with the disk it was on


@dataclass
class Till:
    index: int
    tenant_id: int
    store_id: str
    terminal_id: str
    key: Any
    data_dir: Path
    clock: TillClock
    terminal: terminal_mod.Terminal
    client: SyncClient
    sync: SyncService
    backup: Path | None = None
    restores: int = 0


@dataclass
class Outcome:
    """One seed's result: ``lost`` and ``doubled`` are sale ids; ``problems`` every other broken invariant."""

    seed: int
    acked: int = 0
    discarded: int = 0
    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    steps: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    rounds: int = 0
    seconds: float = 0.0

    @property
    def converged(self) -> bool:
        return not (self.lost or self.doubled or self.problems)

    def line(self) -> str:
        state = "converged" if self.converged else "FAILED"
        kinds = ",".join(f"{k}={v}" for k, v in sorted({**self.steps, **self.faults}.items()))
        text = (f"seed {self.seed}: {state} acked={self.acked} discarded={self.discarded} lost={len(self.lost)}"
                f" doubled={len(self.doubled)} rounds={self.rounds} {self.seconds:.1f}s [{kinds}]")
        for problem in self.problems[:8]:
            text += f"\n    {problem}"
        if self.lost:
            text += f"\n    lost: {self.lost[:5]}"
        if self.doubled:
            text += f"\n    doubled: {self.doubled[:5]}"
        return text

    def to_json(self) -> dict[str, Any]:
        return {"seed": self.seed, "converged": self.converged, "acked": self.acked, "discarded": self.discarded,
                "lost": self.lost, "doubled": self.doubled, "problems": self.problems, "steps": dict(self.steps),
                "faults": dict(self.faults), "rounds": self.rounds, "seconds": round(self.seconds, 2)}


@dataclass
class Plan:
    """What a seed does: its tills, the proxy's fault rate and kinds, and the steps in order."""

    tills: int
    rate: float
    kinds: tuple[str, ...]
    steps: list[str]

    @staticmethod
    def of(seed: int, only: str | None = None) -> Plan:
        """The plan of ``seed``; ``only`` (a step kind or a proxy fault kind) makes it exercise that one for sure."""
        rng = random.Random(f"plan-{seed}")
        kinds = tuple(k for k in KINDS if rng.random() < 0.8) or (rng.choice(KINDS),)
        if only in KINDS:
            kinds = (only,)
        weights = {"sell": 5, "sync": 4, "clock": 1, "backup": 1, "restore": 1, "kill": 1}
        steps = rng.choices(list(weights), weights=list(weights.values()), k=rng.randint(8, 16))
        if only in STEP_KINDS and only not in steps:
            steps.insert(rng.randrange(len(steps) + 1), only)
        if "restore" in steps and "backup" not in steps[:steps.index("restore")]:
            steps.insert(rng.randrange(steps.index("restore") + 1), "backup")
        rate = 0.0 if only in STEP_KINDS else rng.uniform(0.15, 0.6)
        return Plan(tills=rng.randint(1, 3), rate=rate, kinds=kinds, steps=steps)


class Run:
    """One seed's world: cluster database, server process, proxy, tills; ``execute`` then ``oracle``."""

    def __init__(self, masters: Masters, seed: int, folder: Path, *, only: str | None = None,
                 zygote: Zygote | None = None) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.plan = Plan.of(seed, only)
        self.folder = folder
        self.masters = masters
        self.dbname = f"faults_{seed}_{uuid.uuid4().hex[:8]}"
        self.admin_url, app_url = masters.create(self.dbname)
        (folder / "server").mkdir(mode=0o711)
        self.server = ServerProcess(self.admin_url, folder / "server", app_url=app_url, zygote=zygote)
        self.proxy: FaultProxy | None = None
        self.tills: list[Till] = []
        self.acked: dict[str, Acked] = {}
        self.outcome = Outcome(seed)

    # -- world -------------------------------------------------------------------------------------------------------

    def start(self) -> None:
        self.server.start()
        app_url = self.server.app_url

        async def setup(pool: Any) -> list[str]:
            await tenancy.create_tenant(pool, 1, "Almacenes Don Pepe")
            await tenancy.create_store(pool, 1, "centro", "Centro")
            await tenancy.create_store(pool, 1, "norte", "Norte")
            await tenancy.create_tenant(pool, 2, "Minimarket La Esquina")
            await tenancy.create_store(pool, 2, "esquina", "La Esquina")
            return [str(await tenancy.issue_enrollment_code(pool, t, s, f"Caja {n}"))
                    for n, (t, s) in enumerate(STORES[:self.plan.tills], 1)]
        codes = run_app(app_url, setup)
        self.proxy = FaultProxy(self.server.port, seed=self.seed, rate=self.plan.rate, kinds=self.plan.kinds,
                                max_faults=10_000, max_seconds=10_000).start()
        for index, ((tenant_id, store_id), code) in enumerate(zip(STORES, codes, strict=False)):
            terminal_id, key = str(uuid.uuid4()), signing.new_private_key()
            direct = SyncClient(self.server.url, terminal_id, key, timeout=30)
            try:
                direct.enroll(code, signing.public_key(key))
            finally:
                direct.close()
            data_dir = self.folder / f"till{index}"
            clock = TillClock()
            s = settings_mod.TerminalSettings(data_dir=data_dir, tenant_id=tenant_id, store_id=store_id,
                                              terminal_id=terminal_id)
            term = terminal_mod.build(s, create=True, clock=clock, printer=FakePrinter(), drawer=FakeDrawer(),
                                      hasher=HASHER)
            demo_seed.seed(term, ROWS)
            client, service = self._service(terminal_id, key, term)
            self.tills.append(Till(index, tenant_id, store_id, terminal_id, key, data_dir, clock, term, client,
                                   service))

    def _service(self, terminal_id: str, key: Any, term: terminal_mod.Terminal) -> tuple[SyncClient, SyncService]:
        assert self.proxy is not None
        client = SyncClient(self.proxy.url, terminal_id, key, timeout=5)
        service = SyncService(term.journal, client)
        service.MIN_BATCH, service.MAX_BATCH, service.batch_size = 5, 40, 10  # many round trips
        return client, service

    def close(self) -> None:
        for till in self.tills:
            with contextlib.suppress(Exception):
                till.client.close()
            with contextlib.suppress(Exception):
                till.terminal.close()
        if self.proxy is not None:
            self.proxy.stop()
        self.server.stop()
        with contextlib.suppress(Exception):
            self.masters.drop(self.dbname)

    # -- steps -------------------------------------------------------------------------------------------------------

    def execute(self) -> None:
        for step in self.plan.steps:
            till = self.rng.choice(self.tills)
            if step == "restore":
                till = self.rng.choice([t for t in self.tills if t.backup is not None] or [till])
            done = getattr(self, f"step_{step}")(till)
            self.outcome.steps[done or step] += 1
        self.converge()

    def step_sell(self, till: Till, sales: int | None = None) -> None:
        term = till.terminal
        ana = term.auth.sign_in("ana", "1234")
        shift = term.shifts.current() or term.shifts.open(ana, 10_000)
        if term.checkout.shift_id != shift.shift_id:
            term.checkout.start(ana, shift.shift_id)
        for _ in range(sales or self.rng.randint(1, 8)):
            for _ in range(self.rng.randint(1, 4)):
                product = read_models.by_plu(term.journal.conn, str(4000 + self.rng.randrange(PRODUCTS)))
                assert product is not None
                qty = (Decimal(self.rng.randint(100, 1500)) / 1000 if product.weighed
                       else Decimal(self.rng.randint(1, 3)))
                term.checkout.add_product(product, qty)
            total = term.checkout.sale.totals().total
            kind = self.rng.choice((TenderKind.CASH, TenderKind.DEBIT, TenderKind.CREDIT))
            done = term.checkout.complete((Tender(kind, total + 10 if kind is TenderKind.CASH else total),))
            self.acked[done.event.sale_id] = Acked(done.event.sale_id, till.index, done.event.total)

    def step_sync(self, till: Till) -> None:
        self._check(till.sync.sync_once(till.clock()), till)

    def _check(self, status: SyncStatus, till: Till) -> None:
        """An interrupted round is "offline"; a refusal (``error``) is a finding."""
        if not status.online and status.error:
            self.outcome.problems.append(f"till {till.index} refused: {status.error}")

    def step_clock(self, till: Till) -> None:
        till.clock.offset += self.rng.choice(CLOCK_JUMPS)

    def step_backup(self, till: Till) -> None:
        """A copy of the till's journal as it is now (SQLite's online backup: a consistent snapshot)."""
        target = self.folder / f"backup{till.index}.sqlite3"
        target.unlink(missing_ok=True)
        with till.terminal.journal.lock, contextlib.closing(sqlite3.connect(target)) as dst:
            till.terminal.journal.conn.backup(dst)
        till.backup = target

    def step_restore(self, till: Till) -> str:
        """Put the till's last copy back in place of its journal (the disk died; the backup is restored); without a
        copy yet, take one instead (returns the step done)."""
        if till.backup is None:
            self.step_backup(till)
            return "backup"
        journal = till.terminal.journal
        mine = {s for s, a in self.acked.items() if a.till == till.index and not a.discarded}
        with contextlib.closing(sqlite3.connect(till.backup)) as copy:
            kept = {r[0] for r in copy.execute("SELECT sale_id FROM sales")}
        on_master = {r[0] for r in self._admin("SELECT payload->>'sale_id' FROM events WHERE terminal_id = %s"
                                               " AND type = 'sale.completed'", (till.terminal_id,))}
        for sale_id in mine - kept - on_master:
            self.acked[sale_id].discarded = True
        del journal
        till.client.close()
        till.terminal.close()
        path = till.data_dir / "journal.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(till.backup, path)
        s = settings_mod.TerminalSettings(data_dir=till.data_dir, tenant_id=till.tenant_id, store_id=till.store_id,
                                          terminal_id=till.terminal_id)
        till.terminal = terminal_mod.build(s, clock=till.clock, printer=FakePrinter(), drawer=FakeDrawer(),
                                           hasher=HASHER)
        till.client, till.sync = self._service(till.terminal_id, till.key, till.terminal)
        till.restores += 1
        return "restore"

    def step_kill(self, till: Till) -> None:
        """SIGKILL the server while ``till`` pushes a backlog, check no batch is half there, start it again."""
        if till.sync.pending() < 60:
            self.step_sell(till, 25)
        statuses: list[SyncStatus] = []
        pusher = threading.Thread(target=lambda: statuses.append(till.sync.sync_once(till.clock())))
        pusher.start()
        if self.rng.random() < 0.5:
            time.sleep(self.rng.uniform(0.0, 0.3))
        else:  # as soon as a push's transaction is open
            self.server.wait_transaction(3)
        self.server.kill()
        pusher.join(60)
        if pusher.is_alive():
            self.outcome.problems.append("a push did not return after the server was killed")
        self.server.wait_backends_gone()
        for problem in self._half_batches():
            self.outcome.problems.append(f"after a kill: {problem}")
        self.server.start()
        if statuses:
            self._check(statuses[0], till)

    def converge(self, max_rounds: int = 40) -> None:
        """Rounds of every till syncing, the first few still through the faults, then until nothing is pending."""
        assert self.proxy is not None
        for _ in range(self.rng.randint(1, 5)):
            for till in self.tills:
                self._check(till.sync.sync_once(till.clock()), till)
        self.proxy.injecting = False
        for rounds in range(1, max_rounds + 1):
            statuses = [till.sync.sync_once(till.clock()) for till in self.tills]
            self.outcome.rounds = rounds
            if all(s.online and s.pending == 0 for s in statuses):
                return
        self.outcome.problems.append(f"no convergence after {max_rounds} rounds: {statuses}")

    # -- the oracle --------------------------------------------------------------------------------------------------

    def _admin(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.admin_url) as conn:
            return conn.execute(sql, params).fetchall()

    def _half_batches(self) -> Iterator[str]:
        """Streams whose events, tracking and sales disagree (a batch partly applied)."""
        rows = self._admin(
            "SELECT t.terminal_id, t.epoch, t.acked_seq, count(e.seq), coalesce(max(e.seq), 0),"
            " count(*) FILTER (WHERE e.type = 'sale.completed'),"
            " (SELECT count(*) FROM sales s WHERE s.terminal_id = t.terminal_id AND s.epoch = t.epoch)"
            " FROM sync_tracking t LEFT JOIN events e USING (tenant_id, terminal_id, epoch)"
            " GROUP BY t.terminal_id, t.epoch, t.acked_seq")
        quarantined = dict(((r[0], r[1]), r[2]) for r in self._admin(
            "SELECT terminal_id, epoch, count(*) FROM quarantine WHERE type = 'sale.completed'"
            " GROUP BY terminal_id, epoch"))
        for terminal_id, epoch, acked, count, top, sale_events, sales in rows:
            if not acked == count == top:
                yield f"stream {terminal_id[:8]}/{epoch}: acked {acked}, {count} events, max seq {top}"
            if sales != sale_events - quarantined.get((terminal_id, epoch), 0):
                yield f"stream {terminal_id[:8]}/{epoch}: {sale_events} sale events, {sales} sales rows"

    def oracle(self) -> Outcome:
        """Compare the master with the tills and what they acknowledged; fill ``outcome``."""
        out = self.outcome
        assert self.proxy is not None
        out.faults.update(self.proxy.counts)
        out.faults["server_kill"] = self.server.kills
        out.acked = sum(1 for a in self.acked.values() if not a.discarded)
        out.discarded = sum(1 for a in self.acked.values() if a.discarded)
        problems = out.problems

        # chains: every till's journal, every stream on the master
        journals: dict[tuple[str, int], list[envelope.Envelope]] = {}
        for till in self.tills:
            try:
                till.terminal.journal.verify()
            except shared_errors.ChainBroken as exc:
                problems.append(f"till {till.index}: journal chain broken: {exc}")
            for (epoch,) in till.terminal.journal.conn.execute("SELECT DISTINCT epoch FROM events"):
                journals[(till.terminal_id, epoch)] = list(till.terminal.journal.read(1, epoch))
        streams: dict[tuple[str, int], list[envelope.Envelope]] = defaultdict(list)
        for (event_id, tenant_id, store_id, terminal_id, epoch, seq, occurred_at, type_, version, payload, prev,
             hash_) in self._admin("SELECT event_id::text, tenant_id, store_id, terminal_id, epoch, seq, occurred_at,"
                                   " type, version, payload::text, prev_hash, hash FROM events"
                                   " ORDER BY terminal_id, epoch, seq"):
            streams[(terminal_id, epoch)].append(envelope.Envelope(
                event_id, tenant_id, store_id, terminal_id, epoch, seq, occurred_at, type_, version,
                json.loads(payload), prev, hash_))
        for key, entries in streams.items():
            try:
                envelope.verify_chain(entries)
            except shared_errors.ChainBroken as exc:
                problems.append(f"master stream {key[0][:8]}/{key[1]}: chain broken: {exc}")

        # the master's events are the tills' journals (an epoch a till left behind may differ only at its end)
        for till in self.tills:
            ident = till.terminal.journal.identity
            epochs = sorted({e for t, e in journals if t == till.terminal_id} | {ident.epoch})
            for epoch in epochs:  # (the current epoch may hold nothing yet: begun with nothing to carry)
                mine = [(e.seq, e.hash) for e in journals.get((till.terminal_id, epoch), [])]
                theirs = [(e.seq, e.hash) for e in streams.get((till.terminal_id, epoch), [])]
                if epoch == ident.epoch:
                    if till.restores and len(mine) < len(theirs) and mine == theirs[:len(mine)]:
                        continue  # a restored copy that has not journaled since: its next event starts a new epoch
                    if mine != theirs:
                        at = next((i + 1 for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b),
                                  min(len(mine), len(theirs)) + 1)
                        problems.append(f"till {till.index} epoch {epoch}: journal has {len(mine)} events, master"
                                        f" {len(theirs)}, first difference at seq {at}")
                else:  # left behind: the part not carried into the next epoch is what the master holds
                    after = next(e for e in epochs if e > epoch)
                    kept = len(mine) - till.terminal.journal.carried(after, epoch)
                    common = min(kept, len(theirs))
                    if mine[:common] != theirs[:common]:
                        problems.append(f"till {till.index} epoch {epoch}: left-behind epoch differs from the master")
                    if len(theirs) > len(mine) and not till.restores:
                        problems.append(f"till {till.index} epoch {epoch}: master holds more than the journal")
            tracking = self._admin("SELECT acked_seq, acked_hash FROM sync_tracking WHERE terminal_id = %s AND"
                                   " epoch = %s", (till.terminal_id, ident.epoch))
            head = till.terminal.journal.head
            behind = till.restores and tracking and tracking[0][0] > head[0]  # (the restored copy just above)
            if tracking != [head] and not (head[0] == 0 and tracking == []) and not behind:  # (an epoch begun empty)
                problems.append(f"till {till.index}: tracking {tracking} != journal head {till.terminal.journal.head}")
        # no fact twice: these tills never journal the same event payload twice (sales, shifts and users carry
        # ids; the opening stock is counted once per product; only a sign-in repeats), so a repeat is a replay
        facts: Counter[tuple[str, str, str]] = Counter()
        for (terminal_id, _epoch), entries in streams.items():
            for e in entries:
                if not e.type.startswith("auth."):
                    facts[(terminal_id, e.type, json.dumps(e.payload, sort_keys=True))] += 1
        repeated = Counter(k[1] for k, n in facts.items() if n > 1)
        if repeated:
            problems.append(f"the same fact stored twice on the master: {dict(repeated)}")
        stray = {k for k in streams if k[0] not in {t.terminal_id for t in self.tills}}
        if stray:
            problems.append(f"master streams of no till: {stray}")

        # quarantine: nothing these tills send is impossible, so nothing may be held back
        quarantine = self._admin("SELECT terminal_id, epoch, seq, type, reason FROM quarantine")
        for row in quarantine[:5]:
            problems.append(f"quarantined: {row}")
        held = {(r[0], r[1], r[2]) for r in quarantine}

        # sales: every acknowledged sale on the master exactly once, and nothing else
        sale_events: Counter[str] = Counter()
        for (terminal_id, epoch), entries in streams.items():
            for e in entries:
                if e.type == "sale.completed" and (terminal_id, epoch, e.seq) not in held:
                    sale_events[e.payload["sale_id"]] += 1
        rows: dict[str, list[int]] = defaultdict(list)
        for sale_id, total in self._admin("SELECT sale_id, total FROM sales"):
            rows[sale_id].append(total)
        for sale_id, sale in self.acked.items():
            if sale.discarded:
                if sale_id in rows:
                    problems.append(f"sale {sale_id} was discarded by a restore and is on the master")
                continue
            if sale_id not in rows:
                out.lost.append(sale_id)
            elif len(rows[sale_id]) > 1 or sale_events[sale_id] > 1:
                out.doubled.append(sale_id)
            elif rows[sale_id] != [sale.total]:
                problems.append(f"sale {sale_id}: master total {rows[sale_id]} != acknowledged {sale.total}")
        phantom = set(rows) - set(self.acked)
        if phantom:
            problems.append(f"{len(phantom)} sales on the master that no till acknowledged")

        # read models: what the stored events say, folded here independently
        stock: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        count = total = lines = 0
        for (terminal_id, epoch), entries in streams.items():
            for e in entries:
                if (terminal_id, epoch, e.seq) in held:
                    continue
                if e.type == "sale.completed":
                    count, total, lines = count + 1, total + e.payload["total"], lines + len(e.payload["lines"])
                    for line in e.payload["lines"]:
                        stock[(e.store_id, line["sku"])] -= Decimal(line["quantity"])
                elif e.type == "stock.adjusted":
                    stock[(e.store_id, e.payload["sku"])] += Decimal(e.payload["delta"])
        master_stock = {(w, s): q for w, s, q in self._admin("SELECT warehouse_id, sku, quantity FROM stock")
                        if q != 0}
        if master_stock != {k: v for k, v in stock.items() if v != 0}:
            diff = {k for k in set(master_stock) | set(stock) if master_stock.get(k, 0) != stock.get(k, 0)}
            problems.append(f"stock differs from the events at {sorted(diff)[:4]}")
        shifts = self._admin("SELECT coalesce(sum(sales_count), 0), coalesce(sum(sales_total), 0) FROM shifts")
        if shifts != [(count, total)]:
            problems.append(f"shift totals {shifts} != events ({count}, {total})")
        if self._admin("SELECT count(*) FROM sale_lines") != [(lines,)]:
            problems.append("sale_lines differ from the events' lines")
        problems.extend(self._half_batches())
        if "Traceback" in self.server.tail(10**7):
            problems.append("server log holds a traceback: " + self.server.tail(600).replace("\n", " | "))
        return out


def _where(exc: BaseException) -> str:
    """The innermost frame of ``exc``'s traceback: file:line function."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno} {tb.tb_frame.f_code.co_name}" if tb else "?"


def run_seed(masters: Masters, seed: int, *, only: str | None = None, zygote: Zygote | None = None) -> Outcome:
    """One seeded run, start to oracle; any exception is reported as a problem of the seed (never raised)."""
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix=f"almacen-faults-{seed}-"))
    os.chmod(folder, 0o711)
    run: Run | None = None
    try:
        run = Run(masters, seed, folder, only=only, zygote=zygote)
        run.start()
        run.execute()
        outcome = run.oracle()
    except Exception as exc:  # a crash of the harness or the app is a finding of this seed
        outcome = run.outcome if run is not None else Outcome(seed)
        outcome.problems.append(f"{type(exc).__name__}: {exc} at {_where(exc)}")
        if run is not None:
            outcome.problems.append("server log: " + run.server.tail(800).replace("\n", " | "))
    finally:
        if run is not None:
            run.close()
        shutil.rmtree(folder, ignore_errors=True)
    outcome.seconds = time.monotonic() - started
    return outcome


# -- many seeds ------------------------------------------------------------------------------------------------------

def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _worker(seeds: list[int], queue: Any) -> None:
    signal.signal(signal.SIGTERM, _stop)  # unwind: stop the zygote, the servers and the cluster
    folder = Path(tempfile.mkdtemp(prefix="almacen-faults-pg-"))
    os.chmod(folder, 0o711)
    zygote = Zygote()
    try:
        with LocalCluster(folder / "data", fast=True) as cluster:
            masters = Masters(cluster)
            for seed in seeds:
                queue.put(run_seed(masters, seed, zygote=zygote).to_json())
    finally:
        zygote.close()
        shutil.rmtree(folder, ignore_errors=True)
        queue.put(None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="prove-faults", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1000, help="how many seeds (default 1000)")
    parser.add_argument("--from", dest="first", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes, each with its own cluster")
    parser.add_argument("--json", type=Path, help="write every seed's outcome to this file (JSON lines)")
    args = parser.parse_args(argv)
    seeds = list(range(args.first, args.first + args.seeds))
    jobs = max(1, min(args.jobs, len(seeds)))
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(seeds[i::jobs], queue)) for i in range(jobs)]
    started = time.monotonic()
    signal.signal(signal.SIGTERM, _stop)
    for w in workers:
        w.start()
    totals: Counter[str] = Counter()
    faults: Counter[str] = Counter()
    failed: list[int] = []
    done = 0
    out = args.json.open("w") if args.json else None
    try:
        while done < jobs:
            item = queue.get()
            if item is None:
                done += 1
                continue
            outcome = Outcome(item["seed"], item["acked"], item["discarded"], item["lost"], item["doubled"],
                              item["problems"], Counter(item["steps"]), Counter(item["faults"]), item["rounds"],
                              item["seconds"])
            print(outcome.line(), flush=True)
            if out is not None:
                out.write(json.dumps(item) + "\n")
                out.flush()
            totals["runs"] += 1
            totals["converged" if outcome.converged else "failed"] += 1
            totals["lost"] += len(outcome.lost)
            totals["doubled"] += len(outcome.doubled)
            totals["acked"] += outcome.acked
            totals["discarded"] += outcome.discarded
            faults.update(outcome.steps)
            faults.update(outcome.faults)
            if not outcome.converged:
                failed.append(outcome.seed)
    finally:
        if out is not None:
            out.close()
        for w in workers:
            if w.is_alive() and done < jobs:  # interrupted: let each worker stop what it started
                w.terminate()
            w.join()
    wall = time.monotonic() - started
    print(f"\n{totals['runs']} seeds in {wall:.0f} s ({wall / max(totals['runs'], 1) * jobs:.1f} s per seed per job,"
          f" {jobs} jobs): converged {totals['converged']}, failed {totals['failed']}; acknowledged sales"
          f" {totals['acked']} (+{totals['discarded']} discarded by restores): lost {totals['lost']},"
          f" doubled {totals['doubled']}")
    print("exercised: " + ", ".join(f"{k} {v}" for k, v in sorted(faults.items())))
    if failed:
        print(f"failed seeds: {failed}")
    return 0 if totals["runs"] == len(seeds) and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
