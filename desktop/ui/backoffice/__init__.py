"""The back office's widgets (the store manager's tab): the frame and each section's page.

    backoffice/
    ├── ops_widgets.py     what the operation pages share: page frame, touch table, form fields, keyboard
    └── purchases_page.py  Compras: the supplier's XML registered
"""
