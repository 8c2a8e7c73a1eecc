"""The back office (the store manager's tab): its screen, the pages of its sections and the widgets they share.

    backoffice/
    ├── kardex_page.py     Kardex: a product's movements, paged; Imprimir, Excel, CSV
    ├── ops_widgets.py     what the operation pages share: page frame, touch table, form fields, keyboard
    ├── pages.py           where each section's page comes from (``build(context)`` per page module)
    ├── products_page.py   Productos: the store's price, minimum, location and active; HQ's fields read-only
    ├── purchases_page.py  Compras: the supplier's XML registered
    ├── search_field.py    the search field of every list: typed words, or a scanned code on Enter
    ├── shell.py           the screen: header, sections down the left, the page on the right
    ├── stock_page.py      Stock: on hand per warehouse, value at cost, last movement, alerts
    └── table.py           a read-only touch table with flagged rows
"""
