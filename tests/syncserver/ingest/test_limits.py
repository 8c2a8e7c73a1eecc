"""The ingest's range checks (``syncserver.ingest.limits``) against a real PostgreSQL: what they accept, the
master's columns store exactly; what they refuse, PostgreSQL would refuse or silently change."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncserver.ingest import limits

QUANTITIES = ["0", "1", "-1", "0.001", "0.512", "1.5000", "99.999", "9999", "-0.0005", "0.0005", "1.0001",
              "999999999.999", "999999999.9994", "999999999.9995", "-999999999.9995", "1E+9", "1E+12", "1E-20000",
              "1." + "1" * 20000, "1E+100000", "NaN", "-Infinity", "sNaN", "0E-50", "123456789.123000"]
TIMESTAMPS = ["2026-11-20T10:15:00.123-03:00", "2026-11-20T10:15:00", "2026-11-20 10:15Z", "2026-11-20T10:15",
              "2026-11-20T10:15:00+0530", "2026-11-20T10:15:00+05", "2026-11-20T10:15:00.123456789-04:00",
              "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59-12:00",
              "2026-11-20T10", "2026-11-20T10:15:00,5-03:00", "2026-W47-5T10:15:00", "2026-02-30T10:15:00-03:00",
              "2026-11-20T24:00:00", "20261120T101500", "2026-11-20", "", "ayer", "0000-01-01T00:00:00",
              "2026-11-20T10:15:00-03:00 ", "２０２６-11-20T10:15:00"]


def _stored(conn: psycopg.Connection[Any], kind: str, value: Any) -> Any:
    """``value`` through a binary ``kind[]`` unnest, as ``syncserver.store.bulk`` sends rows; the DataError if
    PostgreSQL (or psycopg, dumping it) refuses it."""
    try:
        with conn.transaction():
            row = conn.execute(f"SELECT c FROM unnest(%b::{kind}[]) AS u(c)", ([value],)).fetchone()
    except psycopg.DataError as exc:
        return exc
    assert row is not None
    return row[0]


def test_quantities_accepted_are_stored_exactly_and_refused_ones_would_fail_or_change(pg_database: str) -> None:
    with psycopg.connect(pg_database, autocommit=True) as conn:
        def agree(q: Decimal) -> None:
            reason = limits._quantity("lines[0].quantity", q)
            stored = _stored(conn, "numeric(12,3)", q)
            if reason is None:
                assert stored == q, (q, stored)
            else:
                assert "lines[0].quantity" in reason
                assert isinstance(stored, psycopg.DataError) or q.is_nan() or stored != q, (q, stored, reason)

        for text in QUANTITIES:
            agree(Decimal(text))

        @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**10), max_value=10**10)
               | st.decimals(allow_nan=False, allow_infinity=False))
        def any_decimal(q: Decimal) -> None:
            agree(q)
            assert limits._fits(q) is False or limits._quantity("q", q) is None  # the fast path never lets through

        any_decimal()


def test_integers_at_the_bounds_of_their_columns(pg_database: str) -> None:
    with psycopg.connect(pg_database, autocommit=True) as conn:
        for kind, low, high in (("integer", limits.INT4_MIN, limits.INT4_MAX),
                                ("bigint", limits.INT8_MIN, limits.INT8_MAX)):
            for value in (low, high, 0):
                assert limits._integer("x", value, low, high) is None and _stored(conn, kind, value) == value
            for value in (low - 1, high + 1, 10**30):
                assert "el campo x" in (limits._integer("x", value, low, high) or "")
                assert isinstance(_stored(conn, kind, value), psycopg.DataError)
    assert limits._integer("total", limits.MAX_AMOUNT, -limits.MAX_AMOUNT, limits.MAX_AMOUNT) is None
    reason = limits._integer("total", limits.MAX_AMOUNT + 1, -limits.MAX_AMOUNT, limits.MAX_AMOUNT)
    assert reason == ("el campo total (1000000000000001) está fuera del rango que el servidor puede guardar"
                      " (±1.000.000.000.000.000 pesos)")


def test_timestamps_accepted_are_read_by_postgresql_and_python_alike(pg_database: str) -> None:
    with psycopg.connect(pg_database, autocommit=True) as conn:
        def agree(text: str) -> bool:
            reason = limits._timestamp("occurred_at", text)
            if reason is not None:
                assert "el campo occurred_at" in reason
                return False
            # what HQ's sales page and the RVD compute from it, and the instant itself (seconds since 1970)
            row = conn.execute("SELECT (%s::timestamptz AT TIME ZONE 'America/Santiago')::date IS NOT NULL,"
                               " left(%s, 10)::date, extract(epoch FROM %s::timestamptz)", (text, text, text)
                               ).fetchone()
            assert row is not None and row[0]
            parsed = datetime.fromisoformat(text)
            assert row[1] == parsed.date()
            if parsed.tzinfo is not None:  # PostgreSQL rounds a 7th+ fraction digit, Python drops it
                instant = parsed - datetime(1970, 1, 1, tzinfo=UTC)
                assert abs(row[2] - Decimal(instant // timedelta(microseconds=1)) / 10**6) <= Decimal("0.000001")
            return True

        accepted = [text for text in TIMESTAMPS if agree(text)]
        assert accepted == TIMESTAMPS[:9]

        offsets = st.builds(lambda m: timezone(timedelta(minutes=m)), st.integers(-14 * 60 + 1, 14 * 60 - 1))

        @settings(max_examples=200, deadline=None)
        @given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets),
               st.sampled_from(["T", " "]), st.sampled_from(["auto", "minutes", "seconds", "milliseconds"]))
        def till_like(moment: datetime, sep: str, spec: str) -> None:
            assert agree(moment.isoformat(sep=sep, timespec=spec))

        till_like()


def test_purchase_dates_are_calendar_dates() -> None:
    assert limits._is_date("2026-11-20") and limits._is_date("0001-01-01")
    for text in ("2026-02-30", "20261120", "2026-W47-5", "2026-11-20T00:00", "", "20-11-2026"):
        assert not limits._is_date(text), text


@pytest.mark.parametrize("text", ["1", "0.512", "1.5000", "-3", "99999999.999"])
def test_the_fast_path_takes_the_usual_quantities(text: str) -> None:
    assert limits._fits(Decimal(text))


def test_a_purchase_lines_units_per_package_is_one_a_till_writes() -> None:
    """``package_factor`` (units per box): more than 0, at most 10.000, 3 decimals; and the quantity it makes in the
    store's units must fit the stock column. Anything else is quarantined with the field named."""
    from shared.events import purchases

    def line(quantity: str, factor: str) -> purchases.PurchaseLine:
        return purchases.PurchaseLine(1, "", None, "Leche CJ 12", Decimal(quantity), "CJ", 6_000, 30_000, 30_000,
                                      False, "LEC-1", "manual", Decimal(factor))

    assert limits._package("lines[0].package_factor", line("5", "12")) is None
    assert limits._package("lines[0].package_factor", line("2", "2.5")) is None
    assert limits._package("lines[0].package_factor", line("1.2345", "1")) is None  # QtyItem's 6 decimals stand
    for factor in ("0", "-12", "10001", "NaN", "Infinity"):
        reason = limits._package("lines[0].package_factor", line("5", factor))
        assert reason is not None and "lines[0].package_factor" in reason and "10.000" in reason, (factor, reason)
    reason = limits._package("lines[0].package_factor", line("5", "1.0005"))
    assert reason is not None and "más de 3 decimales" in reason
    reason = limits._package("lines[0].package_factor", line("999999", "10000"))
    assert reason is not None and "quantity × package_factor" in reason and "1.000.000.000" in reason


# --- the reported attacks, through the real push path --------------------------------------------------------


def _sealed(payloads: list[tuple[str, dict[str, Any]]]) -> bytes:
    """A terminal's push body of ``(type, payload)`` events, chained from genesis (version 1 each)."""
    from shared import sync
    from shared.events import envelope

    entries, prev = [], envelope.GENESIS_HASH
    for seq, (type_, payload) in enumerate(payloads, start=1):
        entry = envelope.seal(event_id=str(uuid.uuid4()), tenant_id=1, store_id="centro", terminal_id="caja-1",
                              epoch=1, seq=seq, occurred_at="2026-11-20T12:00:00.000-03:00", type=type_, version=1,
                              payload=payload, prev_hash=prev)
        entries.append(entry)
        prev = entry.hash
    return sync.PushBatch(1, "centro", "caja-1", 1, 1, envelope.GENESIS_HASH, tuple(entries)).to_bytes()


def _sale_payload(sale_id: str, folio: int, *, quantity: str = "2", unit_price: int = 1000, amount: int = 2000,
                  total: int = 2000, neto: int = 1681, iva: int = 319, tendered: int = 5000, received: int = 2000,
                  change: int = 3000, name: str = "Coca-Cola 1,5 L") -> dict[str, Any]:
    return {"sale_id": sale_id, "number": folio, "shift_id": "t-1", "cashier_id": "u-ana",
            "lines": [{"line_id": 1, "sku": "COCA-15", "name": name, "unit_price": unit_price, "quantity": quantity,
                       "sold_by": "unit", "iva_exempt": False, "discount": 0, "amount": amount, "code": ""}],
            "discount": 0, "total": total, "affected": total, "exento": 0, "neto": neto, "iva": iva,
            "tenders": [{"kind": "cash", "amount": tendered, "received": received}], "rounding": 0,
            "change": change, "document": None}


def _product_payload(name: str) -> dict[str, Any]:
    return {"sku": "COCA-15", "name": name, "price": 1000, "category": "Bebidas", "sold_by": "unit",
            "barcodes": [], "plu": None, "brand": "", "iva_exempt": False, "favourite": False}


def test_impossible_facts_pushed_by_a_till_are_quarantined_and_nothing_of_them_is_applied(pg_database: str) -> None:
    """The independent test's attacks (a line of −5 units with a positive amount, a fully negative sale, product
    names of 1 MB and 5 MB, a sale line named with 1 MB), signed and pushed with one valid sale: each is stored and
    quarantined with a reason naming the rule and the field; no sale, line, stock or product of them reaches the
    master; the valid sale is folded."""
    import asyncio

    import psycopg_pool

    from shared import signing
    from shared.events import registry
    from syncserver import bootstrap, tenancy
    from syncserver.ingest import push as push_mod

    body = _sealed([
        ("sale.completed", _sale_payload("s-minus-five", 1, quantity="-5", amount=5000, total=5000, neto=4202,
                                         iva=798, received=5000, change=0)),
        ("sale.completed", _sale_payload("s-negative", 2, quantity="2", unit_price=-1000, amount=-2000,
                                         total=-2000, neto=-1681, iva=-319, tendered=-2000, received=-2000,
                                         change=0)),
        ("catalog.product_upserted", _product_payload("x" * 1024 * 1024)),
        ("catalog.product_upserted", _product_payload("y" * 5 * 1024 * 1024)),
        ("sale.completed", _sale_payload("s-huge-name", 3, name="z" * 1024 * 1024)),
        ("sale.completed", _sale_payload("s-valid", 4)),
    ])
    app_url = bootstrap.migrate(pg_database)
    private_key = signing.new_private_key()
    public_key = signing.public_key(private_key)

    async def scenario() -> Any:
        async with psycopg_pool.AsyncConnectionPool(app_url, min_size=1, max_size=2, open=False) as pool:
            await tenancy.create_tenant(pool, 1, "Almacenes Don Pepe")
            await tenancy.create_store(pool, 1, "centro", "Centro")
            code = await tenancy.issue_enrollment_code(pool, 1, "centro", "Caja 1")
            await tenancy.enroll(pool, code, public_key, "caja-1")
            principal = await push_mod.authenticate(pool, "caja-1", body, signing.sign(private_key, body))
            return await push_mod.push(pool, registry.build_codec(), principal, body, max_events=100)

    ack = asyncio.run(scenario())
    assert (ack.acked_seq, ack.applied, ack.quarantined) == (6, 1, 5)
    with psycopg.connect(pg_database) as conn:
        reasons = dict(conn.execute("SELECT seq, reason FROM quarantine ORDER BY seq").fetchall())
        sales = conn.execute("SELECT sale_id FROM sales").fetchall()
        lines = conn.execute("SELECT sale_id, quantity FROM sale_lines").fetchall()
        stock = conn.execute("SELECT sku, quantity FROM stock").fetchall()
        products = conn.execute("SELECT count(*) FROM products").fetchone()
        stored = conn.execute("SELECT count(*) FROM events").fetchone()
    assert sorted(reasons) == [1, 2, 3, 4, 5]
    assert all(reason.startswith(limits.IMPOSSIBLE) for reason in reasons.values()), reasons
    assert "lines[0].quantity" in reasons[1] and "lines[0].unit_price" in reasons[2]
    assert "name" in reasons[3] and "1.048.576 caracteres" in reasons[3] and "5.242.880" in reasons[4]
    assert "lines[0].name" in reasons[5] and max(len(r) for r in reasons.values()) < 300
    assert sales == [("s-valid",)] and lines == [("s-valid", Decimal(2))]
    assert stock == [("COCA-15", Decimal(-2))] and products == (0,)
    assert stored == (6,)  # every event is kept as received, for the audit
