"""Hardware adapters of the till: receipt printers (ESC/POS), the cash drawer, scanners and scales, behind
small ports with fakes for tests and demo mode.

    drivers/
    ├── errors.py         OS and third-party printer errors → ``PrinterError`` with the cashier's message
    ├── escpos_decode.py  decode our own ESC/POS output back to text and images (tests, previews)
    ├── escpos_render.py  pure rendering of receipts and reports to ESC/POS bytes (CP858)
    ├── fakes.py          in-memory printer, drawer and scanner for tests and demo mode
    ├── pdf_reportlab.py  the terminal's PDF backend (reportlab) for ``almacen dte pdf``
    ├── ports.py          the printer, renderer, drawer and barcode-input ports (Protocols)
    ├── printer_sim.py    ESC/POS printer simulators (TCP, pseudo-terminal) answering status queries
    ├── printers.py       real receipt printers over python-escpos (network, serial, USB, file)
    ├── receipt.py        what a receipt or report says, as plain values; paper widths
    ├── scale_sim.py      scale simulators on pseudo-terminals, one per protocol, with faults
    ├── scanner.py        serial scanners and the Magellan scanner-scale's scanner
    └── scales/           retail scales: the ``Scale`` port, protocols, the serial driver, fakes
"""
