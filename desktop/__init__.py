"""The store terminal: a PySide6 touch POS that sells offline on its own SQLite event journal.

Layers point inward (import-linter): ``ui`` → ``presenters`` → ``services`` → ``journal`` | ``drivers`` | ``net``;
only ``ui`` imports PySide6; ``terminal.build()`` is the composition root. Map: docs/architecture.md §1-§2.

    desktop/
    ├── __main__.py      ``python -m desktop`` is ``almacen``
    ├── cli.py           the ``almacen pos …`` commands (init, run, verify, enroll, sync, caf-load, demo…)
    ├── cli_io.py        what the ``almacen dte`` commands share: reading their file, printing JSON
    ├── dte_cli.py       ``almacen dte …``: verify, import and pdf from the command line
    ├── dte_pdf_cli.py   ``almacen dte pdf FILE``: a PDF per DTE of a file
    ├── purchase_cli.py  ``almacen dte import FILE``: register a supplier's DTE as a purchase
    ├── settings.py      terminal settings (terminal.toml): store header, devices, limits, documents
    ├── terminal.py      composition root: ``build()`` wires journal, drivers and services (no windows)
    ├── demo/            the demo store: its catalog, seed data and a scripted headless cashier
    ├── drivers/         hardware adapters behind ports: ESC/POS printers, drawer, scanners, scales, fakes
    ├── journal/         the SQLite event journal: units of work, projections, read models, migrations
    ├── net/             network adapters: the sync protocol's HTTP client
    ├── presenters/      Qt-free view models: intents in, frozen views out
    ├── services/        the terminal's use cases: checkout, shifts, returns, folios, printing, sync…
    └── ui/              the touch window: the only package that imports PySide6
"""
