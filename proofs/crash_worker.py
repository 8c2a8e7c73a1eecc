"""A till that sells as fast as it can and reports each acknowledged sale, for the crash proofs to kill.

``sell_forever(data, seed, fd)`` writes one line per fact to ``fd``, each in a single ``write``: ``START <pid>``
once the till is open and selling, ``CART <sale_id> <lines> <units>`` after each saved cart change and
``ACK <sale_id> <number>`` once ``complete`` has returned (the sale is committed: the cashier sees it done).
``python -m proofs.crash_worker DATA_DIR SEED`` does the same on standard output. ``ALMACEN_PROOF_SYNCHRONOUS``
(say ``NORMAL``) overrides the journal's ``PRAGMA synchronous``: the negative control of the power-loss proof.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

from argon2 import PasswordHasher

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import seed as demo_seed
from desktop.drivers.fakes import FakeDrawer, FakePrinter
from shared.sale import Tender, TenderKind

ROWS = [
    {"sku": f"SKU-{i}", "name": f"Producto {i}", "price": str(490 + 10 * i), "category": "Abarrotes",
     "sold_by": "unit", "barcode": "", "plu": str(5000 + i), "brand": "", "iva_exempt": "0", "favourite": "0",
     "stock": "100"} for i in range(20)
]


def open_till(data: Path) -> terminal_mod.Terminal:
    """The till of ``data`` (created and seeded with ``ROWS`` when the folder holds no journal yet)."""
    fresh = not (data / "journal.sqlite3").exists()
    term = terminal_mod.build(settings_mod.TerminalSettings(data_dir=data), create=fresh, printer=FakePrinter(),
                              drawer=FakeDrawer(), hasher=PasswordHasher(time_cost=1, memory_cost=1024,
                                                                         parallelism=1))
    if fresh:
        demo_seed.seed(term, ROWS)
    return term


def sell_forever(data: Path, seed: int, fd: int) -> None:
    """Sell 1-4 scanned products per sale, cash, until killed; report on ``fd`` (see the module's doc)."""
    rng = random.Random(seed)
    term = open_till(data)
    override = os.environ.get("ALMACEN_PROOF_SYNCHRONOUS")
    if override:
        term.journal.conn.execute(f"PRAGMA synchronous = {override}")

    def say(line: str) -> None:
        os.write(fd, (line + "\n").encode())

    ana = term.auth.sign_in("ana", "1234")
    shift = term.shifts.current() or term.shifts.open(ana, 10_000)
    sale = term.checkout.start(ana, shift.shift_id)
    say(f"START {os.getpid()} {sale.sale_id} {len(sale.lines)}")
    while True:
        for _ in range(rng.randint(1, 4)):
            sale = term.checkout.scan(str(5000 + rng.randrange(20)))
            say(f"CART {sale.sale_id} {len(sale.lines)} {sum(x.quantity for x in sale.lines)}")
        done = term.checkout.complete((Tender(TenderKind.CASH, 100_000),))
        say(f"ACK {done.event.sale_id} {done.event.number}")


if __name__ == "__main__":
    sell_forever(Path(sys.argv[1]).absolute(), int(sys.argv[2]), sys.stdout.fileno())
