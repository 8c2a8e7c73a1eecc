"""Qt-free view models of the till's screens: intents come in as method calls, a frozen view goes out.

    presenters/
    ├── backoffice/    the back office: its frame and sections (products, stock, kardex, ...)
    ├── customer.py    the factura customer dialog: find or type a business customer
    ├── devices.py     the device page: choose, test and save printer, drawer, scale, scanner
    ├── enrollment.py  the first-run wizard: connect with a code, receive the store, try the devices
    ├── fiado.py       the sale's customer picker, abono, its reversal and the estado de cuenta
    ├── messages.py    the sentence a cashier reads for an error
    ├── payment.py     the payment dialog: keypad, quick cash, tenders, boleta or factura
    ├── purchase.py    the supplier's XML as a purchase: preview the DTE, match lines, register
    ├── returns.py     the return screen: find the sale, choose lines, authorise
    ├── sale.py        the sale screen: scans, search, tiles, quantities, weights, prompts
    ├── shift.py       sign-in, shift opening, cash moves and the blind close with its Z report
    ├── till_fiado.py  the screens' FiadoDesk on a real till: FiadoService, the cashier and their shift
    └── weighing.py    the live weight of a weighed product: scale poller and its presenter
"""
