"""Qt-free view models of the back office (the store manager's tab): the frame and each section's page.

    backoffice/
    ├── counts.py     Toma de inventario: the blind sheet, kept line by line, posted with a reason
    ├── customer_sources.py  the till's fiado read models and service as the Clientes page's ports
    ├── customers.py  Clientes: balances, limit use, overdue days; profile and fiado; movements, estado de cuenta
    ├── kardex.py     Kardex: a product's movements, paged, printed and exported
    ├── lines.py      what the operation pages share: finding a product, a sheet of lines as typed
    ├── mermas.py     Mermas: product, quantity, reason, its cost, a supervisor's PIN above the threshold
    ├── new_product.py  «Nuevo producto»: a product the store creates itself, local until HQ adopts it
    ├── ports.py      the rows the sections read and the Protocols of their sources and services
    ├── products.py   Productos: the store's price, minimum, location and active; HQ's fields read-only
    ├── reports.py    Reportes: a period against the one before, headline figures, each report's chart and table
    ├── purchases.py  Compras: a paper document typed in, the supplier's XML, returns to a supplier
    ├── shell.py      the frame: who enters (administrador, supervisor read-only), sections, stock alerts
    ├── sources.py    the till's journal as the back office reads it
    ├── stock.py      Stock: on hand per warehouse, value at cost, last movement, alerts flagged
    ├── suppliers.py  Proveedores: RUT checked as typed, the form, their documents and what was bought
    └── transfers.py  Transferencias: a sheet sent to a warehouse or store, incoming ones received
"""
