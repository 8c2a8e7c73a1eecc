"""The libro diario at the master (``syncserver.store.general_journal``, booked at ingest by
``syncserver.ingest.journal``) against the throwaway PostgreSQL: tills push purchases, sales (cash rounded, on
fiado), a fiado payment and its reversal, a return, a count, a merma, cash moves and a close; the master's journal
for a period and store equals ``shared.accounting.fold`` of the tills' own events (the inventory book folded
alongside), balances, leaves out other days, other stores and quarantined events, pages through every asiento once,
and its CSV reads back; a replayed batch adds nothing; the rebuild and the migration's back-fill book the same."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date
from typing import Any

import psycopg
import psycopg_pool
import pytest

from shared import accounting as acc
from shared import errors
from syncserver.ingest import journal as ingest_journal
from syncserver.ingest import rebuild
from syncserver.store import db, general_journal
from tests.syncserver.dte.folio_kit import CODEC, Db
from tests.syncserver.ingest import back_office_kit as bo
from tests.syncserver.store import journal_kit

Read = tuple[general_journal.GeneralJournal, list[acc.JournalLine], bytes]


def _key(x: acc.JournalLine) -> tuple[Any, ...]:
    return (x.event_id, x.account, x.debit, x.credit, x.auxiliary, x.reference, x.document, x.at)


def read_all(data: Db, start: date, end: date, stores: list[str] | None) -> Read:
    """The journal's first page, every line streamed, and the CSV streamed."""
    async def read(pool: psycopg_pool.AsyncConnectionPool) -> Read:
        async with db.tenant_tx(pool, 1) as conn:
            found = await general_journal.journal(conn, 1, start, end, stores)
            every = [x async for chunk in general_journal.lines(conn, 1, start, end, stores) for x in chunk]
            csv_ = b"".join([piece async for piece in general_journal.csv_chunks(conn, 1, start, end, stores)])
            return found, every, csv_
    result: Read = data.run(read)
    return result


def test_the_masters_journal_equals_the_tills_events_booked_and_balances(pg_database: str) -> None:
    seeded = journal_kit.seed(pg_database)
    data, centro, before, after, stray = seeded.data, seeded.centro, seeded.before, seeded.after, seeded.stray
    journal, lines, csv_bytes = read_all(data, date(2026, 12, 1), date(2026, 12, 3), ["centro"])
    everything, all_lines, _csv = read_all(data, date(2026, 11, 30), date(2026, 12, 4), None)
    book = acc.fold("centro", [(e, CODEC.decode(e.type, e.version, e.payload)) for e in centro.journal], "ppp")
    expected = [x for x in book if x.event_id not in (before.event_id, after.event_id, stray.event_id)]
    assert Counter(map(_key, lines)) == Counter(map(_key, expected))
    assert journal.lines == lines and journal.following is None  # one page holds the three days
    assert [x.at for x in lines] == sorted(x.at for x in lines)
    assert journal.balances == acc.trial_balance(expected)
    assert journal.line_count == len(expected) and journal.asientos == len({x.event_id for x in expected})
    assert journal.debit == journal.credit > 0
    assert journal.problems == [] and journal.unvalued == []
    assert journal.events == 9  # the shift's opening and the customer's profile and account book nothing
    sums = {b.account.code: b.balance for b in journal.trial_balance()}
    assert sums[acc.MERCADERIAS.code] == -800 + 800 - 800 - 800  # sold, returned, counted short, merma
    assert sums[acc.CLIENTES_FIADO.code] == 3_000
    assert sums[acc.REDONDEO.code] == -5  # the cash sale rounded down $5 for the customer
    assert sums[acc.DIFERENCIAS_CAJA.code] == 990
    assert everything.debit == everything.credit
    assert everything.balances == acc.trial_balance(all_lines)
    assert {x.store_id for x in all_lines} == {"centro", "norte"}
    assert before.event_id in {x.event_id for x in all_lines}
    assert after.event_id in {x.event_id for x in all_lines}
    assert csv_bytes == acc.csv_bytes(lines)
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == len(lines) + 2
    assert rows[-1][10:] == [str(journal.debit), str(journal.credit)]
    pages_cover_the_period_once_in_order(data, all_lines)
    for start, end in [(date(2026, 11, 1), date(2026, 12, 31)), (date(2026, 11, 15), date(2026, 12, 31)),
                       (date(2026, 11, 1), date(2026, 12, 3)), (date(2026, 11, 30), date(2026, 12, 1))]:
        whole = read_all(data, start, end, None)  # whole months from journal_months, the rest from journal_days
        assert whole[0].balances == acc.trial_balance(whole[1]), (start, end)
        assert whole[0].debit == whole[0].credit > 0
    assert read_all(data, date(2026, 11, 1), date(2026, 12, 31), ["norte"])[0].balances == acc.trial_balance(
        [x for x in all_lines if x.store_id == "norte"])


def pages_cover_the_period_once_in_order(data: Db, every: list[acc.JournalLine]) -> None:
    """Pages of at most 4 lines (whole asientos) from the first to the last: every line once, in order."""
    async def pages(pool: psycopg_pool.AsyncConnectionPool) -> list[general_journal.GeneralJournal]:
        found = []
        after = None
        async with db.tenant_tx(pool, 1) as conn:
            while True:
                page = await general_journal.journal(conn, 1, date(2026, 11, 30), date(2026, 12, 4), None, after, 4)
                found.append(page)
                if page.following is None:
                    return found
                after = general_journal.Position.parse(page.following.text)

    got = data.run(pages)
    assert [x for page in got for x in page.lines] == every
    assert len(got) > 3
    for page in got:  # whole asientos, at most 4 lines unless one asiento is longer
        ids = [x.event_id for x in page.lines]
        assert len(page.lines) <= 4 or len(set(ids)) == 1
    with pytest.raises(errors.InvalidInput, match="posición"):
        general_journal.Position.parse("2026-12-01|x")


def _tables(data: Db) -> dict[str, list[tuple[Any, ...]]]:
    return {t: sorted((tuple(r) for r in data.rows(f"SELECT * FROM {t} WHERE tenant_id = 1")), key=repr)
            for t in ingest_journal.TABLES}


def test_a_replayed_batch_adds_nothing_and_the_rebuild_and_back_fill_book_the_same(pg_database: str) -> None:
    seeded = journal_kit.seed(pg_database)
    data, centro = seeded.data, seeded.centro
    live = _tables(data)
    assert live["journal_entries"] and live["journal_days"] and live["journal_notes"] == []
    months: dict[tuple[Any, ...], list[int]] = {}
    for _tenant, store, day, account, debit, credit in live["journal_days"]:
        pair = months.setdefault((store, day.replace(day=1), account), [0, 0])
        pair[0] += debit
        pair[1] += credit
    assert {(r[1], r[2], r[3]): [r[4], r[5]] for r in live["journal_months"]} == months
    centro.acked = 0  # the till sends its whole journal again (it lost the ack)
    bo.push(data, centro)
    assert _tables(data) == live
    data.run(lambda pool: rebuild.rebuild(pool, CODEC, 1))
    assert _tables(data) == live
    with psycopg.connect(data.admin_url) as conn:  # the migration's back-fill on the same events
        for table in ingest_journal.TABLES:
            conn.execute(f"DELETE FROM {table}")
        backfill(conn)
    assert _tables(data) == live


def backfill(conn: psycopg.Connection[Any]) -> None:
    """Migrations 0029's and 0038's back-fills, run on an admin connection."""
    import importlib

    migration = importlib.import_module("syncserver.migrations.versions.0029_general_journal")
    migration._backfill(conn)
    months = importlib.import_module("syncserver.migrations.versions.0038_journal_months")
    for statement in months.BACKFILL:  # then 0038's sums of the days per month
        conn.execute(statement)


def test_a_period_backwards_or_longer_than_a_year_is_refused_in_spanish() -> None:
    with pytest.raises(errors.InvalidInput, match="posterior"):
        general_journal.bounds(date(2026, 12, 2), date(2026, 12, 1))
    with pytest.raises(errors.InvalidInput, match="366 días"):
        general_journal.bounds(date(2025, 1, 1), date(2026, 12, 31))
    low, high = general_journal.bounds(date(2026, 12, 1), date(2026, 12, 31))
    assert (low.isoformat(), high.isoformat()) == ("2026-12-01T00:00:00-03:00", "2027-01-01T00:00:00-03:00")
