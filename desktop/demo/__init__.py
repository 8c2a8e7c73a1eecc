"""The demo store: catalog data and a scripted cashier."""
