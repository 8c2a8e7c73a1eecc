"""Qt-free view models of the back office (the store manager's tab): the frame and each section's page.

    backoffice/
    ├── kardex.py     Kardex: a product's movements, paged, printed and exported
    ├── ports.py      the rows the sections read and the Protocols of their sources and services
    ├── products.py   Productos: the store's price, minimum, location and active; HQ's fields read-only
    ├── purchases.py  Compras: its sections and the supplier-XML registration by the signed-in administrador
    ├── shell.py      the frame: who enters (administrador, supervisor read-only), sections, stock alerts
    ├── sources.py    the till's journal as the back office reads it
    └── stock.py      Stock: on hand per warehouse, value at cost, last movement, alerts flagged
"""
