"""The demo store: its catalog data, seed and a scripted cashier for the headless demo.

    demo/
    ├── catalog_data.py  the demo catalog (catalog.csv) as rows, and a generator of big catalogs
    ├── headless.py      the demo store with no window: a scripted cashier over the real presenters
    └── seed.py          load the demo store into a new journal: catalog, opening stock, users
"""
