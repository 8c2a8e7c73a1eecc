"""The touch window of the till: the only package that imports PySide6 (widgets render presenter views).

    ui/
    ├── app.py              start the till's window on a built ``Terminal``
    ├── backoffice/         the back office: sections for products, stock, kardex, transfers, counts, ...
    ├── binding.py          glue between a presenter and the widgets that draw its view
    ├── bridges.py          device threads → GUI thread through queued signals
    ├── cart_model.py       the cart as a Qt table model over the presenter's line views
    ├── choices.py          finger-sized drop-down choices for set-up forms
    ├── customer_dialog.py  the factura's customer dialog
    ├── customer_picker.py  the sale's customer: search by name, RUT or phone, new or edit, on the keyboard
    ├── devices_page.py     the device page (administrador): printer, drawer, scale, scanner
    ├── enroll_dialog.py    first-run wizard: connect to HQ, receive the store, printer and scale
    ├── fiado_dialogs.py    Fiado…: abono, reversal of an abono (supervisor), estado de cuenta
    ├── file_picker.py      a finger-sized file picker in Spanish (folders, Memoria USB)
    ├── main_window.py      the till's window: sign-in → back office or open shift → sale screen, status bar
    ├── payment_dialog.py   the payment dialog: total, tenders, keypad, boleta or factura
    ├── prompts.py          keypad dialogs: weight, quantity, amounts, supervisor PIN
    ├── purchase_dialog.py  the supplier-XML registration (the back office's Compras page opens it)
    ├── recall_menu.py      Suspender's prompt (a name to find it) and Recuperar's menu of suspended sales
    ├── reprint_menu.py     Reimprimir's menu: the last documents printed, one button each
    ├── return_dialog.py    the return screen
    ├── sale_screen.py      the sale screen: search/scan, cart, total, tiles, actions
    ├── scale_panel.py      the live weighing panel: weight, price, state, Tara, Cero
    ├── session_screens.py  sign-in and open-shift screens
    ├── shift_dialogs.py    dialogs of Turno…: cash actions, the blind count, the Z report
    ├── shift_flow.py       what Turno… does: cash in and out, drawer, switch cashier, close
    ├── style.py            the one stylesheet: high contrast, large type, finger-sized targets
    ├── sync_status.py      the sync worker's status on the GUI thread (status bar, progress)
    ├── touch_keyboard.py   the on-screen keyboard (es-CL letters, numeric page for RUTs)
    └── widgets.py          reusable touch widgets: big buttons, keypad, product tiles, categories
"""
