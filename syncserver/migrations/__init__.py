"""Alembic migrations of the master database (``versions/``) and the helpers they share (:mod:`.rls`).

    migrations/
    ├── env.py     alembic environment of the master database
    ├── rls.py     the row-level-security block every tenant table gets
    └── versions/  the migrations, 0001 onwards
"""
