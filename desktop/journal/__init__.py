"""The terminal's SQLite event journal: append-only events in units of work, with the projections and read
models they keep (the path of a sale: docs/architecture.md §2).

    journal/
    ├── archive.py               archive files: acknowledged months past the retention, verified, read through
    ├── backup.py                copies of the running journal (SQLite online backup), read back and verified; restore
    ├── count_drafts.py          lines of an open count sheet before posting (working state, kept by a rebuild)
    ├── durable.py               a written file, and a folder's entries after a rename, made durable (fsync)
    ├── errors.py                every sqlite3/OS failure translated into one ``JournalError``
    ├── event_store.py           the SQLite journal seen through the event-store port (``shared.journal``)
    ├── fiado_projection.py      customers and fiado: people, aliases, accounts, the ledger and balances in step
    ├── fiado_queries.py         queries on them: find a customer, account, statements, balances, payments
    ├── inventory_projection.py  the back office's read models: stock, kardex, costs, transfers, counts, mermas
    ├── inventory_queries.py     queries on them: stock list, alerts, kardex pages, counts, transfers, suppliers
    ├── local_products_projection.py  the products the store created itself, local until HQ adopts them
    ├── migrate.py               schema migrations of a journal file, with alembic
    ├── projections.py           the projection handlers run inside each unit of work (``HANDLERS``)
    ├── purchases_projection.py  read models of ``purchase.received``: suppliers, purchases, cost
    ├── read_models.py           queries on the read models: products, stock, shifts, folios, sales
    ├── report_projection.py     rollups for the reports: sales per day, hour and cashier; tenders; products
    ├── report_queries.py        the reports' figures for a period: sales, products, margin, stock, mermas, fiado
    ├── sqlite_store.py          ``SqliteJournal``: append-only events, gapless seq, hash chain, units of work
    ├── supplier_answers.py      HQ's answers to suppliers' facturas (Ley 19.983) and their deadlines
    ├── suspended_sales.py       sales put aside at the till (working state, kept by a rebuild; no folio held)
    └── migrations/              alembic environment and versions of the journal schema
"""
