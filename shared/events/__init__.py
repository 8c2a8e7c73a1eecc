"""Events are facts: the envelope, the hash chain, the codec and the event types of each stream.

    events/
    ├── auth.py       security stream: users, PINs, authorisations, lock-outs
    ├── catalog.py    catalog and stock streams: products, stock adjustments (mermas)
    ├── codec.py      stable type names and versions ↔ dataclasses, transcoders, upcasters
    ├── customers.py  customers stream: business buyers of facturas
    ├── emisor.py     emisor stream: the company's tax data as HQ publishes it
    ├── envelope.py   the journal envelope and the SHA-256 chain over canonical bytes
    ├── fiado.py      customers and store credit: profiles, fiado accounts, payments, reversals, settings
    ├── folios.py     folio stream: ranges leased to this terminal, with their CAF
    ├── inventory.py  inventory stream: transfers, counts, mermas, supplier returns, suppliers, store product settings
    ├── purchases.py  purchases stream: a supplier's DTE registered, its stock and cost moves
    ├── registry.py   the codec with every event type and upcaster
    ├── returns.py    returns: goods given back, with their nota de crédito
    ├── rules.py      the domain rules of every event type: the till's before it journals, the master's before it folds
    ├── sales.py      sales stream: a completed sale, its lines, tenders and document
    ├── shifts.py     shift stream: opening float, cash moves, the close with its count
    ├── stores.py     store stream: the till's own store as HQ publishes it (sucursal data)
    └── till.py       till stream: lines removed from the cart before payment
"""
