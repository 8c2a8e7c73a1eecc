"""The back office (the store manager's tab): its screen, the pages of its sections and the widgets they share.

    backoffice/
    ├── charts.py          the Reportes' chart (pyqtgraph): bars by day, a line, bars by name, the hours' heat map
    ├── crossed_panel.py   over Productos when a save crossed an HQ change: both values, who, when; choose
    ├── counts_page.py     Toma de inventario: the blind sheet scanned or typed, posted with a reason
    ├── customers_page.py  Clientes: balances, limit use, overdue days; profile and fiado; estado de cuenta (PDF)
    ├── kardex_page.py     Kardex: a product's movements, paged; Imprimir, Excel, CSV
    ├── mermas_page.py     Mermas: product, quantity, reason, its cost, a supervisor's PIN above the threshold
    ├── new_product_dialog.py  «Nuevo producto»: barcode scanned, name, price, category, unit or kg, IVA exento
    ├── ops_widgets.py     what the operation pages share: page frame, touch table, product field, form fields
    ├── pages.py           where each section's page comes from (``build(context)`` per page module)
    ├── products_page.py   Productos: the store's price, minimum, location and active; HQ's fields read-only
    ├── purchases_page.py  Compras: a paper document typed in, the supplier's XML, returns to a supplier
    ├── reports_page.py    Reportes: period picker, figures against the period before, chart and table, exports
    ├── search_field.py    the search field of every list: typed words, or a scanned code on Enter
    ├── shell.py           the screen: header, sections down the left, the page on the right
    ├── stock_page.py      Stock: on hand per warehouse, value at cost, last movement, alerts
    ├── suppliers_page.py  Proveedores: RUT checked as typed, razón social, giro, contact; documents, products
    ├── table.py           a read-only touch table with flagged rows
    └── transfers_page.py  Transferencias: send (own warehouses, another store), receive with differences
"""
