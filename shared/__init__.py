"""The pure domain core used by the terminal and the server: money, RUT, catalog, sale, shift, costing,
events and DTEs. It imports neither ``desktop`` nor ``syncserver``, nor Qt, a database driver or an HTTP library
(import-linter; docs/architecture.md §1).

    shared/
    ├── accounting.py      the general journal: chart of accounts, each event's double entry, trial balance, CSV
    ├── barcodes.py        EAN-13/EAN-8/UPC-A check digits and weight/price-embedded labels
    ├── books.py           the accountant's books: libro de ventas/compras (RCV layout), IVA for the F29, CSV
    ├── card_model.py      card sales: boleta or voucher («modelo de emisión»), which document a sale stands on
    ├── catalog.py         products as the store sells them: SKU, barcodes, PLU, price, exempt
    ├── catalog_import.py  the catalog file's rules: columns, CSV rows checked, the search fold
    ├── clock.py           the injected clock and id factory (UUIDv7)
    ├── costing.py         weighted average perpetual cost (PPP) as a pure fold
    ├── errors.py          ``PosError`` and the domain's exception tree
    ├── inventory.py       stock movements of every event and their cost (PPP or FIFO lots): the reference fold
    ├── fiado.py           store credit as a pure ledger: entries, postings, balances, the charge rule, statements
    ├── es_cl.py           numbers and dates as people read them in Chile (es-CL)
    ├── journal.py         the event-store port (Protocol), its errors and an in-memory store
    ├── launcher.py        the ``almacen`` command: finds its parts (pos, dte, server) through entry points
    ├── report_tables.py   reports as shown and exported: periods, Spanish columns, the period before, CSV/XLSX
    ├── money.py           pesos (int CLP), quantities, the IVA split, Ley 20.956 cash rounding
    ├── reports.py         report rows (back office and HQ) and the one rollup arithmetic of a sale or return
    ├── roles.py           user roles and what each may authorise with its PIN
    ├── rut.py             Chilean RUT: parse, validate, format
    ├── sale.py            the sale aggregate: lines, discounts, totals with IVA, tenders, change
    ├── shift.py           the shift aggregate: float, sales by tender, cash moves, count, Z report
    ├── signing.py         Ed25519 keys and signatures of terminals' batches
    ├── sucursal.py        where a document is issued from: the emisor's or the store's address
    ├── supplier_answers.py  Ley 19.983's window to answer a supplier's factura: deadline and state
    ├── sync.py            the sync protocol's messages: push batches, acks, errors
    ├── text_fold.py       how searches compare text: case, accents and punctuation folded
    ├── dte/               SII electronic tax documents: CAF, TED, documents, XML, signatures, schemas
    └── events/            events are facts: envelope, hash chain, codec, one module per stream
"""
