"""Qt-free view models of the back office (the store manager's tab): the frame and each section's page.

    backoffice/
    └── purchases.py  Compras: its sections and the supplier-XML registration by the signed-in administrador
"""
