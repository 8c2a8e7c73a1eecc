"""The accountant's books from the master's tables: the month's documents issued (``dte_documents`` with the sale,
return or HQ correction behind each; the tills' documents also summed per store, day and type in ``book_days``, kept
at ingest) and purchases registered, as ``shared.books`` lines, and the IVA summary.
Every function runs inside the caller's tenant transaction; the rules are in ``shared.books`` and docs/books.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Final

import psycopg
from psycopg.rows import dict_row

from shared import books, card_model
from syncserver.store.db import Conn

_JOINS = (
    " FROM dte_documents d"
    " JOIN LATERAL (SELECT * FROM sales s0 WHERE s0.tenant_id = d.tenant_id AND s0.sale_id = d.sale_id LIMIT 1) s"
    " ON true"
    " LEFT JOIN returns r ON r.tenant_id = d.tenant_id AND r.sale_id = d.sale_id AND r.tipo = d.tipo"
    " AND r.folio = d.folio"
    " LEFT JOIN dte_corrections c ON c.tenant_id = d.tenant_id AND c.tipo = d.tipo AND c.folio = d.folio")
"""A document's figures: an HQ nota's from its correction, a till's nota de crédito from its return, a boleta's or
factura's from its sale (``d.sale_id`` is the sale a nota corrects, so ``s`` is always the original sale). The sale
is looked up by its key for each document (a lateral subquery with a LIMIT is not flattened): joined plainly, the
planner hashed every sale of the tenant to find a month's ~1,500 documents."""
_WHERE = (
    " WHERE d.tenant_id = %(tenant)s AND d.stamped_at COLLATE \"C\" >= %(low)s"
    " AND d.stamped_at COLLATE \"C\" < %(high)s"
    " AND (%(store)s::text IS NULL OR coalesce(r.store_id, s.store_id) = %(store)s::text)"
    " AND (%(scope)s::text[] IS NULL OR coalesce(r.store_id, s.store_id) = ANY(%(scope)s))")
"""The documents of FchEmis (``left(stamped_at, 10)``) from ``low`` to before ``high`` (both ``aaaa-mm-dd``),
spelled as bytewise comparisons of ``stamped_at`` itself, which select exactly the same documents (a text whose first
ten characters are at least ``low`` is itself at least ``low``, and one whose first ten are below ``high`` is below
it, byte by byte) and, unlike ``left()``, may be evaluated inside an index scan under row-level security (text
comparisons are leakproof): migration 0039's ``dte_documents_listed_by_stamp``."""

_LISTED: Final = "d.tipo NOT IN (35, 38, 39, 41)"
"""The documents listed one by one (all but :data:`shared.books.BOLETAS_RESUMEN`), spelled as migration 0039's
partial index ``dte_documents_listed_by_stamp`` is, so the month's are found on it."""
_SALES = (
    "SELECT d.tipo, d.folio, left(d.stamped_at, 10) AS fecha, coalesce(r.store_id, s.store_id) AS store_id,"
    " c.content, r.return_id, r.neto AS r_neto, r.iva AS r_iva, r.exento AS r_exento, r.total AS r_total,"
    " r.original_tipo, r.original_folio, s.neto, s.iva, s.exento, s.total,"
    " CASE WHEN c.content IS NULL THEN e.payload->'customer' END AS customer" + _JOINS
    + " LEFT JOIN LATERAL (SELECT e0.payload FROM events e0 WHERE e0.tenant_id = s.tenant_id"
    " AND e0.terminal_id = s.terminal_id AND e0.epoch = s.epoch AND e0.seq = s.seq LIMIT 1) e ON true" + _WHERE
    + " AND " + _LISTED + " ORDER BY d.tipo, d.folio")
_DAYS_WHERE = (
    " WHERE tenant_id = %(tenant)s AND day >= %(low)s AND day < %(high)s"
    " AND (%(store)s::text IS NULL OR store_id = %(store)s::text)"
    " AND (%(scope)s::text[] IS NULL OR store_id = ANY(%(scope)s))")
_BOLETAS = (
    "SELECT tipo, day, min(first_folio), max(last_folio), sum(documents)::bigint, sum(exento)::bigint,"
    " sum(neto)::bigint, sum(iva)::bigint, sum(total)::bigint FROM book_days" + _DAYS_WHERE
    + " AND tipo = ANY(%(boletas)s) GROUP BY 1, 2")
"""The boletas summed per day and type (``book_days``; a boleta is always a sale's: notas are type 61)."""

_IVA_EXPR = ("(CASE WHEN d.tipo IN (60, 61) THEN -1 ELSE 1 END) * coalesce((c.content->'totales'->>'iva')::bigint,"
             " CASE WHEN r.return_id IS NOT NULL THEN r.iva END, s.iva)")
_DEBITO_BY_MONTH = (
    "SELECT left(day, 7) AS month, sum(CASE WHEN tipo IN (60, 61) THEN -iva ELSE iva END)::bigint FROM book_days"
    + _DAYS_WHERE + " GROUP BY 1")
"""The tills' documents' débito fiscal per month (``book_days``)."""
_HQ_DEBITO_BY_MONTH = (
    "SELECT left(d.stamped_at, 7) AS month, sum(" + _IVA_EXPR + ")::bigint FROM dte_corrections c"
    " JOIN dte_documents d ON d.tenant_id = c.tenant_id AND d.tipo = c.tipo AND d.folio = c.folio"
    " JOIN sales s ON s.tenant_id = d.tenant_id AND s.sale_id = d.sale_id"
    " LEFT JOIN returns r ON r.tenant_id = d.tenant_id AND r.sale_id = d.sale_id AND r.tipo = d.tipo"
    " AND r.folio = d.folio" + _WHERE.replace("d.tenant_id = %(tenant)s", "c.tenant_id = %(tenant)s") + " GROUP BY 1")
"""The notas HQ stamped itself (``dte_corrections``: few), per month, as the books read them."""

_DAY_SUMS = (
    "INSERT INTO book_days (tenant_id, day, store_id, tipo, documents, first_folio, last_folio, exento, neto, iva,"
    " total) SELECT d.tenant_id, left(d.stamped_at, 10), coalesce(r.store_id, s.store_id), d.tipo, count(*),"
    " min(d.folio), max(d.folio), sum(CASE WHEN r.return_id IS NULL THEN s.exento ELSE r.exento END),"
    " sum(CASE WHEN r.return_id IS NULL THEN s.neto ELSE r.neto END),"
    " sum(CASE WHEN r.return_id IS NULL THEN s.iva ELSE r.iva END),"
    " sum(CASE WHEN r.return_id IS NULL THEN s.total ELSE r.total END) FROM dte_documents d"
    " JOIN sales s ON s.tenant_id = d.tenant_id AND s.sale_id = d.sale_id"
    " LEFT JOIN returns r ON r.tenant_id = d.tenant_id AND r.sale_id = d.sale_id AND r.tipo = d.tipo"
    " AND r.folio = d.folio WHERE d.tenant_id = %(tenant)s {where} AND NOT EXISTS (SELECT 1 FROM dte_corrections c"
    " WHERE c.tenant_id = d.tenant_id AND c.tipo = d.tipo AND c.folio = d.folio) GROUP BY 1, 2, 3, 4"
    " ON CONFLICT (tenant_id, day, store_id, tipo) DO UPDATE SET documents = book_days.documents + excluded.documents,"
    " first_folio = least(book_days.first_folio, excluded.first_folio),"
    " last_folio = greatest(book_days.last_folio, excluded.last_folio), exento = book_days.exento + excluded.exento,"
    " neto = book_days.neto + excluded.neto, iva = book_days.iva + excluded.iva,"
    " total = book_days.total + excluded.total")
"""The tills' documents summed into ``book_days`` with the figures the books read (a nota de crédito's from its
return, the others' from their sale): those whose sale the master holds; HQ's own notas are left to
:data:`_HQ_DEBITO_BY_MONTH`."""
_BATCH = (" AND d.terminal_id = %(terminal)s AND d.epoch = %(epoch)s AND (d.tipo, d.folio, d.seq) IN"
          " (SELECT * FROM unnest(%(tipos)s::integer[], %(folios)s::bigint[], %(seqs)s::bigint[]))")


_VOUCHER_DAY_SUMS = (
    "INSERT INTO book_days (tenant_id, day, store_id, tipo, documents, first_folio, last_folio, exento, neto, iva,"
    " total) SELECT tenant_id, day, store_id, " + str(books.VOUCHER) + ", count(*), 0, 0, sum(ex), sum(neto),"
    " sum(card - ex - neto), sum(card) FROM (SELECT v.tenant_id, v.store_id, v.day, v.card, x.ex,"
    " CASE WHEN v.card >= v.total THEN v.neto ELSE round((v.card - x.ex) / 1.19) END AS neto FROM ("
    "SELECT s.tenant_id, s.store_id, to_char(s.occurred_at::timestamptz AT TIME ZONE 'America/Santiago',"
    " 'YYYY-MM-DD') AS day, s.total, s.exento, s.neto, least((SELECT sum(t.amount) FROM sale_tenders t"
    " WHERE t.tenant_id = s.tenant_id AND t.sale_id = s.sale_id AND t.kind = ANY(%(cards)s)), s.total) AS card"
    " FROM sales s WHERE s.tenant_id = %(tenant)s {where} AND NOT EXISTS (SELECT 1 FROM dte_documents d"
    " WHERE d.tenant_id = s.tenant_id AND d.sale_id = s.sale_id AND d.tipo = ANY(%(own)s))) v"
    " CROSS JOIN LATERAL (SELECT CASE WHEN v.card >= v.total THEN v.exento"
    " ELSE round(v.exento * v.card::numeric / v.total) END AS ex) x WHERE v.card > 0) w GROUP BY 1, 2, 3"
    " ON CONFLICT (tenant_id, day, store_id, tipo) DO UPDATE SET documents = book_days.documents + excluded.documents,"
    " exento = book_days.exento + excluded.exento, neto = book_days.neto + excluded.neto,"
    " iva = book_days.iva + excluded.iva, total = book_days.total + excluded.total")
"""The card vouchers that stand as boletas summed into ``book_days`` as type 48 (docs/card-sales.md): the card part
of each sale without a document of its own (boleta or factura), on its Chile day (``shared.card_model.split``),
split as ``shared.card_model.voucher_figures`` (the sale's own figures when the card paid it all; else the exempt
part in proportion and neto = round(rest / 1.19), half up as PostgreSQL rounds a numeric). No folios (0, 0)."""


def _voucher_params(tenant_id: int) -> dict[str, Any]:
    return {"tenant": tenant_id, "cards": sorted(card_model.CARD_TENDERS),
            "own": sorted(card_model.BOLETAS | card_model.FACTURAS)}


async def add_vouchers(conn: Conn, tenant_id: int, sale_ids: Sequence[str]) -> None:
    """Add to ``book_days`` the vouchers of the sales ``sale_ids`` a push just folded without a document (in its
    transaction, after the sales are written)."""
    if sale_ids:
        await conn.execute(_VOUCHER_DAY_SUMS.format(where="AND s.sale_id = ANY(%(sales)s)"),
                           {**_voucher_params(tenant_id), "sales": list(sale_ids)})


def backfill_vouchers_all(conn: psycopg.Connection[Any]) -> None:
    """Migration 0035's back-fill: :data:`_VOUCHER_DAY_SUMS` of every tenant with sales (synchronous, in its
    transaction; as :func:`backfill_days_all`)."""
    tenants = [int(r[0]) for r in conn.execute("SELECT DISTINCT tenant_id FROM sales").fetchall()]
    for tenant_id in tenants:
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant_id),))
        conn.execute(_VOUCHER_DAY_SUMS.format(where=""), _voucher_params(tenant_id))
    conn.execute("SELECT set_config('app.tenant_id', '', true)")


async def add_documents(conn: Conn, tenant_id: int, terminal_id: str, epoch: int,
                        documents: Sequence[tuple[int, int, int]]) -> None:
    """Add to ``book_days`` the documents ``(tipo, folio, seq)`` a push of ``terminal_id`` just recorded (in its
    transaction, after ``syncserver.dte.folios.record_documents``; a folio refused there, recorded by another
    batch, is not this terminal's seq and is not added again)."""
    if not documents:
        return
    tipos, folios, seqs = (list(c) for c in zip(*documents, strict=True))
    await conn.execute(_DAY_SUMS.format(where=_BATCH), {"tenant": tenant_id, "terminal": terminal_id,
                                                        "epoch": epoch, "tipos": tipos, "folios": folios,
                                                        "seqs": seqs})


async def rebuild_days(conn: Conn, tenant_id: int) -> None:
    """Sum ``tenant_id``'s documents into ``book_days`` again (the rebuild, after the sales and returns)."""
    await conn.execute("DELETE FROM book_days WHERE tenant_id = %s", (tenant_id,))
    await conn.execute(_DAY_SUMS.format(where=""), {"tenant": tenant_id})
    await conn.execute(_VOUCHER_DAY_SUMS.format(where=""), _voucher_params(tenant_id))


def backfill_days_all(conn: psycopg.Connection[Any]) -> None:
    """Migration 0034's back-fill: :data:`_DAY_SUMS` of every tenant with documents, on a synchronous connection in
    its transaction (a migrating role that row-level security hides the rows from sums nothing: ``almacen server
    admin rebuild-projections`` does it then)."""
    tenants = [int(r[0]) for r in conn.execute("SELECT DISTINCT tenant_id FROM dte_documents").fetchall()]
    for tenant_id in tenants:
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant_id),))
        conn.execute(_DAY_SUMS.format(where=""), {"tenant": tenant_id})
    conn.execute("SELECT set_config('app.tenant_id', '', true)")

_PURCHASES = (
    "SELECT tipo, folio, fecha_emision, supplier_rut, supplier_name, neto, exento, iva, other_taxes, total, store_id"
    " FROM purchases WHERE tenant_id = %(tenant)s AND fecha_emision >= %(low)s AND fecha_emision < %(high)s"
    " AND tipo = ANY(%(tipos)s) AND (%(store)s::text IS NULL OR store_id = %(store)s::text)"
    " AND (%(scope)s::text[] IS NULL OR store_id = ANY(%(scope)s))")
_CREDITO_BY_MONTH = (
    "SELECT to_char(fecha_emision, 'YYYY-MM') AS month,"
    " sum(CASE WHEN tipo IN (60, 61) THEN -iva ELSE iva END)::bigint"
    " FROM purchases WHERE tenant_id = %(tenant)s AND fecha_emision >= %(low)s AND fecha_emision < %(high)s"
    " AND tipo = ANY(%(tipos)s) AND (%(store)s::text IS NULL OR store_id = %(store)s::text)"
    " AND (%(scope)s::text[] IS NULL OR store_id = ANY(%(scope)s)) GROUP BY 1")

FIRST: date = date(2000, 1, 1)
"""Earlier than any document: the start of the remanente's run."""


def next_month(month: date) -> date:
    """The first day of the month after ``month``'s."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _query(tenant_id: int, month: date, store: str | None, scope: Sequence[str] | None,
           low: date | None = None) -> dict[str, Any]:
    first = month.replace(day=1)
    return {"tenant": tenant_id, "low": (low or first).isoformat(),
            "high": next_month(first).isoformat(), "store": store,
            "scope": None if scope is None else list(scope), "tipos": sorted(books.PURCHASE_TIPOS),
            "boletas": sorted(books.BOLETAS_RESUMEN)}


def _document(row: dict[str, Any]) -> books.Document:
    tipo, folio, day = int(row["tipo"]), int(row["folio"]), date.fromisoformat(row["fecha"])
    if row["content"] is not None:  # a nota HQ issued (syncserver.dte.corrections)
        content = row["content"]
        t, ref, rec = content["totales"], content["referencia"], content["receptor"]
        return books.Document(tipo, folio, day, rec["rut"], rec["razon_social"], int(t["exento"]), int(t["neto"]),
                              int(t["iva"]), int(t["total"]), row["store_id"], int(ref["tipo"]), int(ref["folio"]))
    customer = row["customer"] if isinstance(row["customer"], dict) else None
    rut, name = ((customer["rut"], customer["razon_social"]) if customer else (books.ANONYMOUS_RUT, ""))
    if row["return_id"] is not None:  # a nota de crédito of a return at the till
        return books.Document(tipo, folio, day, rut, name, int(row["r_exento"]), int(row["r_neto"]),
                              int(row["r_iva"]), int(row["r_total"]), row["store_id"], int(row["original_tipo"]),
                              int(row["original_folio"]))
    return books.Document(tipo, folio, day, rut, name, int(row["exento"]), int(row["neto"]), int(row["iva"]),
                          int(row["total"]), row["store_id"])


async def sales_documents(conn: Conn, tenant_id: int, month: date, store: str | None = None, *,
                          scope: Sequence[str] | None = None) -> list[books.Document]:
    """The documents issued in ``month`` (by FchEmis, the date of ``stamped_at``) with their figures, by type and
    folio, but for the boletas (:func:`boleta_summaries`); ``store`` one store, ``scope`` the stores an encargado may
    see (None: all)."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(_SALES, _query(tenant_id, month, store, scope))
        return [_document(row) for row in await cur.fetchall()]


async def boleta_summaries(conn: Conn, tenant_id: int, month: date, store: str | None = None, *,
                           scope: Sequence[str] | None = None) -> list[books.SalesBookRow]:
    """The boletas issued in ``month`` summed per day and type (``shared.books.boleta_summary``), naming ``store``
    when one is asked for (every store's together otherwise)."""
    rows = await (await conn.execute(_BOLETAS, _query(tenant_id, month, store, scope))).fetchall()
    return [books.boleta_summary(int(tipo), date.fromisoformat(day), int(low), int(high), int(count), int(exento),
                                 int(neto), int(iva), int(total), store or "")
            for tipo, day, low, high, count, exento, neto, iva, total in rows]


_VOUCHERS = ("SELECT day, sum(documents)::bigint, sum(exento)::bigint, sum(neto)::bigint, sum(iva)::bigint,"
             " sum(total)::bigint FROM book_days" + _DAYS_WHERE + " AND tipo = " + str(books.VOUCHER) + " GROUP BY 1")


async def voucher_summaries(conn: Conn, tenant_id: int, month: date, store: str | None = None, *,
                            scope: Sequence[str] | None = None) -> list[books.SalesBookRow]:
    """The card vouchers of ``month`` that stand as boletas, summed per Chile day (``shared.books.voucher_summary``,
    type 48, from ``book_days``): the card part of the sales that took no document (docs/card-sales.md)."""
    rows = await (await conn.execute(_VOUCHERS, _query(tenant_id, month, store, scope))).fetchall()
    return [books.voucher_summary(date.fromisoformat(day), int(count), int(exento), int(neto), int(iva), int(total),
                                  store or "") for day, count, exento, neto, iva, total in rows]


async def sales_book(conn: Conn, tenant_id: int, month: date, store: str | None = None, *,
                     scope: Sequence[str] | None = None) -> tuple[books.SalesBookRow, ...]:
    """The libro de ventas of ``month`` (``shared.books.sales_book``); with ``store`` that store's documents.

    Raises:
        BookError: a stored document of a type a seller does not book.
    """
    return books.sales_book(await sales_documents(conn, tenant_id, month, store, scope=scope),
                            summaries=[*await boleta_summaries(conn, tenant_id, month, store, scope=scope),
                                       *await voucher_summaries(conn, tenant_id, month, store, scope=scope)])


async def purchase_book(conn: Conn, tenant_id: int, month: date, store: str | None = None, *,
                        scope: Sequence[str] | None = None) -> tuple[books.PurchaseBookRow, ...]:
    """The libro de compras of ``month`` (by fecha de emisión, as HQ «Compras»): the registered documents of the
    types the Registro de Compras holds (``shared.books.PURCHASE_TIPOS``)."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(_PURCHASES, _query(tenant_id, month, store, scope))
        rows = await cur.fetchall()
    return books.purchase_book(
        books.Document(int(r["tipo"]), int(r["folio"]), r["fecha_emision"], r["supplier_rut"], r["supplier_name"],
                       int(r["exento"]), int(r["neto"]), int(r["iva"]), int(r["total"]), r["store_id"],
                       other_taxes=int(r["other_taxes"])) for r in rows)


async def remanente_before(conn: Conn, tenant_id: int, month: date, store: str | None = None, *,
                           scope: Sequence[str] | None = None) -> int:
    """The crédito fiscal carried into ``month`` from every earlier month (``shared.books.carried``, DL 825 art. 26),
    from the same documents the books read."""
    query = _query(tenant_id, month, store, scope, low=FIRST)
    query["high"] = month.replace(day=1).isoformat()
    debito: dict[str, int] = {}
    for sql in (_DEBITO_BY_MONTH, _HQ_DEBITO_BY_MONTH):
        for month, iva in await (await conn.execute(sql, query)).fetchall():
            debito[str(month)] = debito.get(str(month), 0) + int(iva or 0)
    credito: dict[str, int | None] = dict(await (await conn.execute(_CREDITO_BY_MONTH, query)).fetchall())
    return books.carried((int(debito.get(m) or 0), int(credito.get(m) or 0)) for m in sorted({*debito, *credito}))


async def iva_summary(conn: Conn, tenant_id: int, month: date, store: str | None = None, *,
                      scope: Sequence[str] | None = None) -> books.IvaSummary:
    """The IVA summary of ``month`` for the F29 (``shared.books.iva_summary``) with the remanente carried in.

    Raises:
        BookError: a stored document of a type a seller does not book.
    """
    sales = await sales_book(conn, tenant_id, month, store, scope=scope)
    purchases = await purchase_book(conn, tenant_id, month, store, scope=scope)
    carried_in = await remanente_before(conn, tenant_id, month, store, scope=scope)
    return books.iva_summary(month, sales, purchases, remanente_anterior=carried_in)
