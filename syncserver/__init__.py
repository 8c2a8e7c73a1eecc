"""The sync server: Starlette over a multi-tenant PostgreSQL master, with HQ's pages and SII forwarding.

Layers point inward: ``api`` | ``hq`` → ``ingest`` | ``dte`` | ``sii`` → ``store``; ``app.create_app`` is the
composition root. Map: docs/architecture.md §1-§5.

    syncserver/
    ├── accounts.py         HQ accounts: a new business and its owner, invitations, roles, deactivation
    ├── admin.py            ``almacen server admin …``: tenants, stores, logins, codes, CAFs, DTE passes
    ├── admin_certification.py  ``almacen server admin certificacion``: the SII's test set to envelopes and samples
    ├── admin_pos_users.py  ``almacen server admin pos-user-*``: the tills' users from the console
    ├── app.py              composition root: ``create_app(settings, clock=, new_id=)``
    ├── backups.py          ``admin backup|restore``: pg_dump of the master, read back; restore into a new database
    ├── bootstrap.py        settings → embedded PostgreSQL → migrations → app-role URL
    ├── catalog.py          HQ's catalog edits, versioned and published on the change feed
    ├── catalog_import.py   catalog import (CSV/XLSX, preview, one transaction) and export
    ├── cli.py              ``almacen server``: run the server (uvicorn), embedded PostgreSQL
    ├── health.py           ``GET /health`` for load balancers
    ├── logs.py             structured JSON logs
    ├── pgcluster.py        a private PostgreSQL cluster in a folder: initdb, start, stop
    ├── pos_users.py        the tills' users: created, edited, new PIN, deactivated; on the feed
    ├── settings.py         typed server settings from ``ALMACEN_*`` variables and a TOML file
    ├── state.py            typed access to what ``create_app`` keeps on ``app.state``
    ├── tenancy.py          tenants, stores (sucursal data, warehouses), terminals, enrolment
    ├── api/                JSON endpoints for terminals: enroll, push, pull, epoch
    ├── dte/                tax documents at the server: folios, pipeline, emisor, certificates, RVD
    ├── hq/                 the owner's web pages, one module per page
    ├── ingest/             the push service: check, store, fold, quarantine, rebuild
    ├── migrations/         alembic migrations of the master database
    ├── sii/                talking to the SII: scheduler, worker, forwarder, web services
    ├── sii_standin/        a local SII for tests and the demo
    └── store/              the PostgreSQL adapter: tenant transactions, bulk inserts, schema
"""
