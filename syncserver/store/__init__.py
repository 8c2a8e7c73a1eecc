"""PostgreSQL adapter of the sync server: one repository module per aggregate, over tenant-scoped transactions
(row-level security confines each to one tenant). Services (``ingest``, ``dte``, ``sii``, ``tenancy``, ``catalog``)
call these; HQ pages keep their own read queries.

    store/
    ├── audit.py         the audit trail: refusals, lock-outs, sessions, account changes (append-only)
    ├── books.py         the accountant's books of a month: documents issued, purchases, IVA (shared.books)
    ├── bulk.py          INSERT ... SELECT FROM unnest(arrays): bulk writes that RLS allows
    ├── card_model.py    the tenant's «modelo de emisión» of card sales (tenant_card_model)
    ├── certificates.py  each tenant's signing certificate (.pfx), encrypted at rest
    ├── change_feed.py   the numbered changes terminals pull
    ├── customers.py     HQ's customers and fiado: lists, accounts, entries, statements, flags; edits and merges
    ├── dashboard.py     HQ's dashboard: sales against last week, heat map, top products, margin, alerts
    ├── db.py            tenant_tx / auth_tx; the typed Conn, Cursor and Pool
    ├── documents.py     the stamped documents' sources and corrections (signing pipeline, RVD, HQ notas)
    ├── emisor.py        the company data every DTE carries
    ├── events.py        PostgresEventStore: events, tracking heads, quarantine (shared.journal.AsyncEventStore)
    ├── fiado.py         the master's fiado book: customers merged by RUT, ledger, balances, flags; HQ's actions
    ├── folios.py        CAFs, folio leases, stamped documents received
    ├── general_journal.py  the libro diario of a period and stores as the ingest books it: pages, sums, CSV
    ├── hq_accounts.py   HQ accounts (``hq_users``) and their logins
    ├── inventory.py     HQ's stock across stores, kardex, transfers, costs; the inventory settings (published)
    ├── local_products.py  the products stores created themselves: pending, adopted by HQ or set aside
    ├── outbox.py        the DTE outbox and envelopes: claims and leases
    ├── pos_users.py     the tills' users as HQ keeps them (PIN hash, stores, version)
    ├── products.py      HQ's catalog rows and their versions
    ├── reports.py       HQ's report figures per store or all: sales by day, hour, cashier, tender; products, stock
    ├── rollups.py       the report rollups kept at ingest (shared.reports' fold), rebuilt and back-filled
    ├── rvd.py           daily sales reports (RVD) sent and the days documents fall on
    ├── schema.py        alembic upgrade and the application role's URL
    ├── sessions.py      HQ sessions kept by the server: start, idle and absolute expiry, revocation
    ├── supplier_answers.py  answers to suppliers' facturas (Ley 19.983): receptions, attempts, deadlines
    ├── tenants.py       tenants and stores (with their default warehouse)
    ├── terminals.py     terminal keys, enrolment codes, revocation, epochs, sync status
    └── throttle.py      rate limits: failures per key and the growing lock-outs, in PostgreSQL
"""
