"""The terminal's use cases (no Qt, no SQL strings): they run units of work on the journal and talk to
drivers through their ports.

    services/
    ├── auth.py               users, PINs and supervisor authorisations; every decision journaled
    ├── backups.py            the journal copied to the store's folder on a schedule and at shift close; restores
    ├── catalog.py            find products: scanned code, PLU, SKU, deli label, or words
    ├── checkout.py           the cart in progress, authorised changes, and completing a sale
    ├── checkout_fiado.py     fiado at the checkout: the charge decided on the till's ledger, a supervisor beyond it
    ├── counts.py             tomas de inventario: a blind sheet kept line by line, posted once as adjustments
    ├── customers.py          business customers of facturas: checked and remembered as facts
    ├── enrollment.py         enrol the terminal with HQ: its Ed25519 key and identity
    ├── fiado.py              customers and store credit: accounts, abonos in the shift, reversals, statements
    ├── fiado_print.py        fiado on paper: abono receipt, reversal slip, estado de cuenta (roll and A4 PDF)
    ├── folios.py             folio leases at the till, what is left, and stamping boletas and facturas
    ├── inventory.py          the back office's ground: roles, es-CL quantities and costs, warehouses, product settings
    ├── kardex_export.py      a product's kardex as .xlsx, .csv and a printable PDF
    ├── local_products.py     products the store creates itself: checked, a SKU of its own, local until HQ adopts them
    ├── mermas.py             goods lost, at the store's cost, a supervisor's PIN above the tenant's threshold
    ├── printing.py           the print worker thread: jobs to the printer, status while idle
    ├── purchase_matching.py  match a supplier's lines to products; package factors
    ├── purchases.py          purchases: suppliers' DTEs verified and registered, paper ones typed in, returns
    ├── reports.py            the Reportes: every figure for a period beside the one before; CSV and XLSX exports
    ├── receipts.py           receipts and reports from journaled facts; the reprint queue
    ├── returns.py            returns: credit lines of a sale with a nota de crédito 61
    ├── shifts.py             the cashier's shift: float, cash in and out, blind close
    ├── suppliers.py          suppliers: RUT checked, razón social, giro and contact
    ├── suspend.py            suspended sales: carts put aside with their customer, recalled later, no folio held
    ├── sync.py               background sync: push, then pull, with backoff and new epochs
    ├── timbre.py             the timbre as a PDF417 sized for the paper, and its legends
    └── transfers.py          transfers between the store's warehouses and stores; receiving them once
"""
