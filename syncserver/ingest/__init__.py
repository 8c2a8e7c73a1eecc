"""Service layer for incoming journals: verify, deduplicate, store, fold into the master read models."""
