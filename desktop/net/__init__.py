"""Network adapters of the terminal (the sync client)."""
