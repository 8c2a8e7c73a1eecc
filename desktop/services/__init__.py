"""The terminal's use cases (no Qt, no SQL strings): they run units of work on the journal and talk to
drivers through their ports.

    services/
    ├── auth.py               users, PINs and supervisor authorisations; every decision journaled
    ├── catalog.py            find products: scanned code, PLU, SKU, deli label, or words
    ├── checkout.py           the cart in progress, authorised changes, and completing a sale
    ├── customers.py          business customers of facturas: checked and remembered as facts
    ├── enrollment.py         enrol the terminal with HQ: its Ed25519 key and identity
    ├── folios.py             folio leases at the till, what is left, and stamping boletas and facturas
    ├── printing.py           the print worker thread: jobs to the printer, status while idle
    ├── purchase_matching.py  match a supplier's lines to products; package factors
    ├── purchases.py          purchases from suppliers' DTEs: verify, preview, register
    ├── receipts.py           receipts and reports from journaled facts; the reprint queue
    ├── returns.py            returns: credit lines of a sale with a nota de crédito 61
    ├── shifts.py             the cashier's shift: float, cash in and out, blind close
    ├── sync.py               background sync: push, then pull, with backoff and new epochs
    └── timbre.py             the timbre as a PDF417 sized for the paper, and its legends
"""
