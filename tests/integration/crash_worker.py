"""A till that sells as fast as it can and reports each acknowledged sale; the crash test SIGKILLs it.

Usage: python crash_worker.py DATA_DIR SEED. Prints ``CART <sale_id> <lines>`` after each saved cart change and
``ACK <sale_id> <number>`` once ``complete`` has returned (the sale is committed), flushing every line.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from argon2 import PasswordHasher

from desktop import settings as settings_mod
from desktop import terminal as terminal_mod
from desktop.demo import seed
from desktop.drivers.fakes import FakeDrawer, FakePrinter
from shared.sale import Tender, TenderKind

ROWS = [
    {"sku": f"SKU-{i}", "name": f"Producto {i}", "price": str(490 + 10 * i), "category": "Abarrotes",
     "sold_by": "unit", "barcode": "", "plu": str(5000 + i), "brand": "", "iva_exempt": "0", "favourite": "0",
     "stock": "100"} for i in range(20)
]


def main() -> None:
    data, rng = Path(sys.argv[1]), random.Random(int(sys.argv[2]))
    fresh = not (data / "journal.sqlite3").exists()
    term = terminal_mod.build(settings_mod.TerminalSettings(data_dir=data), create=fresh, printer=FakePrinter(),
                              drawer=FakeDrawer(), hasher=PasswordHasher(time_cost=1, memory_cost=1024,
                                                                         parallelism=1))
    if fresh:
        seed.seed(term, ROWS)
    ana = term.auth.sign_in("ana", "1234")
    shift = term.shifts.current() or term.shifts.open(ana, 10_000)
    sale = term.checkout.start(ana, shift.shift_id)
    print(f"START {sale.sale_id} {len(sale.lines)}", flush=True)
    while True:
        for _ in range(rng.randint(1, 4)):
            sale = term.checkout.scan(str(5000 + rng.randrange(20)))
            print(f"CART {sale.sale_id} {len(sale.lines)} {sum(x.quantity for x in sale.lines)}", flush=True)
        done = term.checkout.complete((Tender(TenderKind.CASH, 100_000),))
        print(f"ACK {done.event.sale_id} {done.event.number}", flush=True)


if __name__ == "__main__":
    main()
