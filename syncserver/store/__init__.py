"""PostgreSQL adapter of the sync server: one repository module per aggregate, over tenant-scoped transactions
(row-level security confines each to one tenant). Services (``ingest``, ``dte``, ``sii``, ``tenancy``, ``catalog``)
call these; HQ pages keep their own read queries.

```
store/
  db.py           tenant_tx / auth_tx; the typed Conn, Cursor and Pool
  schema.py       alembic upgrade and the application role's URL
  bulk.py         INSERT ... SELECT FROM unnest(arrays): bulk writes that RLS allows
  events.py       PostgresEventStore: events, tracking heads, quarantine (shared.journal.AsyncEventStore)
  terminals.py    terminal keys, enrolment codes, revocation, epochs, sync status
  tenants.py      tenants and stores (with their default warehouse)
  products.py     HQ's catalog rows and their versions
  change_feed.py  the numbered changes terminals pull
  folios.py       CAFs, folio leases, stamped documents received
  documents.py    the stamped documents' sources and corrections (signing pipeline, RVD, HQ notas)
  outbox.py       the DTE outbox and envelopes: claims and leases
  rvd.py          daily sales reports (RVD) sent and the days documents fall on
  emisor.py       the company data every DTE carries
  certificates.py each tenant's encrypted signing certificate
```
"""
