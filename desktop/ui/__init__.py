"""The touch window of the till: the only package that imports PySide6 (widgets render presenter views)."""
