"""Service layer for incoming journals: verify, deduplicate, store, fold into the master read models.

```
ingest/
  push.py         one signed batch: checks, store (store.events), fold, tracking, folio refill, all or nothing
  limits.py       values a read model's column cannot hold (the event is quarantined)
  conflicts.py    events PostgreSQL still refuses once folded (identity clashes, running totals)
  projections.py  fold events into row sets and write them (the master read models)
  rebuild.py      clear and refold a tenant's read models from its stored events
  epoch.py        a terminal's new epoch, with its folio leases renewed
```
"""
