"""Service layer for incoming journals: verify, deduplicate, store, fold into the master read models, quarantine,
rebuild (docs/architecture.md#3-the-sync-protocol).

    ingest/
    ├── conflicts.py    events PostgreSQL still refuses once folded (identity clashes, running totals)
    ├── crossings.py    a store's product settings that crossed an HQ change it had not seen, recorded for HQ
    ├── epoch.py        a terminal's new epoch, with its folio leases renewed
    ├── fiado.py        fiado batches folded in the tenant's order (store.fiado), scope's book, the rebuild's pass
    ├── journal.py      the general journal booked at ingest (shared.accounting.Booking), booked again by rebuild
    ├── kardex.py       each store's movements costed with shared.inventory in fold order: kardex, cost state
    ├── limits.py       values a read model's column cannot hold (the event is quarantined)
    ├── projections.py  fold events into row sets and write them (the master read models)
    ├── push.py         one signed batch: checks, store (store.events), fold, tracking, folio refill, all or nothing
    ├── rebuild.py      clear and refold a tenant's read models from its stored events
    └── scope.py        what a terminal may touch: folios leased to it, its store and warehouses
"""
