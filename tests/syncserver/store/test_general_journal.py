"""The libro diario at the master (``syncserver.store.general_journal``) against the throwaway PostgreSQL: tills
push purchases, sales (cash rounded, on fiado), a fiado payment and its reversal, a return, a count, a merma, cash
moves and a close; the master's journal for a period and store equals ``shared.accounting.fold`` of the tills' own
events (the inventory book folded alongside), balances, leaves out other days, other stores and quarantined events,
and its CSV reads back."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date
from typing import Any

import psycopg_pool
import pytest

from shared import accounting as acc
from shared import errors
from syncserver.store import db, general_journal
from tests.syncserver.dte.folio_kit import CODEC
from tests.syncserver.store import journal_kit


def _key(x: acc.JournalLine) -> tuple[Any, ...]:
    return (x.event_id, x.account, x.debit, x.credit, x.auxiliary, x.reference, x.document, x.at)


def test_the_masters_journal_equals_the_tills_events_booked_and_balances(pg_database: str) -> None:
    seeded = journal_kit.seed(pg_database)
    data, centro, before, after, stray = seeded.data, seeded.centro, seeded.before, seeded.after, seeded.stray

    async def read(pool: psycopg_pool.AsyncConnectionPool) -> dict[str, general_journal.GeneralJournal]:
        async with db.tenant_tx(pool, 1) as conn:
            return {"centro": await general_journal.journal(conn, 1, date(2026, 12, 1), date(2026, 12, 3),
                                                            ["centro"]),
                    "all": await general_journal.journal(conn, 1, date(2026, 11, 30), date(2026, 12, 4))}

    got = data.run(read)
    book = acc.fold("centro", [(e, CODEC.decode(e.type, e.version, e.payload)) for e in centro.journal], "ppp")
    expected = [x for x in book if x.event_id not in (before.event_id, after.event_id, stray.event_id)]
    journal = got["centro"]
    assert Counter(map(_key, journal.lines)) == Counter(map(_key, expected))
    assert journal.debit == journal.credit > 0
    assert journal.problems == [] and journal.unvalued == []
    assert journal.events == 9  # the shift's opening and the customer's profile and account book nothing
    sums = {b.account.code: b.balance for b in journal.trial_balance()}
    assert sums[acc.MERCADERIAS.code] == -800 + 800 - 800 - 800  # sold, returned, counted short, merma
    assert sums[acc.CLIENTES_FIADO.code] == 3_000
    assert sums[acc.REDONDEO.code] == -5  # the cash sale rounded down $5 for the customer
    assert sums[acc.DIFERENCIAS_CAJA.code] == 990
    everything = got["all"]
    assert everything.debit == everything.credit
    assert {x.store_id for x in everything.lines} == {"centro", "norte"}
    assert before.event_id in {x.event_id for x in everything.lines}
    assert after.event_id in {x.event_id for x in everything.lines}
    rows = list(csv.reader(io.StringIO(journal.csv().decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == len(journal.lines) + 2
    assert rows[-1][10:] == [str(journal.debit), str(journal.credit)]


def test_a_period_backwards_or_longer_than_a_year_is_refused_in_spanish() -> None:
    with pytest.raises(errors.InvalidInput, match="posterior"):
        general_journal.bounds(date(2026, 12, 2), date(2026, 12, 1))
    with pytest.raises(errors.InvalidInput, match="366 días"):
        general_journal.bounds(date(2025, 1, 1), date(2026, 12, 31))
    low, high = general_journal.bounds(date(2026, 12, 1), date(2026, 12, 31))
    assert (low.isoformat(), high.isoformat()) == ("2026-12-01T00:00:00-03:00", "2027-01-01T00:00:00-03:00")
