"""Alembic migrations of the master database (``versions/``) and the helpers they share (:mod:`.rls`)."""
