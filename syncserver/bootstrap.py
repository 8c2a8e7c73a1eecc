"""The server's bootstrap: settings → embedded PostgreSQL (when no URL is set) → migrations → the app role's URL.

``almacen server``, the admin commands and the tests start the master database through here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import replace

from syncserver import pgcluster
from syncserver import settings as settings_mod
from syncserver.store import schema

DATABASE_NAME = "almacen"
"""The database the embedded cluster holds for the server."""
ADMIN_URL_VARIABLE = "ALMACEN_ADMIN_DATABASE_URL"
"""With an external ``database_url``: a role that may migrate; without it the schema is assumed current."""
PASSWORD_FILE = "app_role.password"
"""In ``data_dir``: the application role's password (0600), kept across restarts."""

log = logging.getLogger("syncserver.bootstrap")


def embedded_cluster(settings: settings_mod.ServerSettings) -> pgcluster.LocalCluster:
    """The server's own PostgreSQL cluster, in ``data_dir/pg`` (not started)."""
    return pgcluster.LocalCluster(settings.data_dir / "pg")


def migrate(admin_url: str, password: str | None = None) -> str:
    """Upgrade the master schema as ``admin_url``'s role and return the URL of the application role.

    The server connects as that role (``almacen_app``: row-level security applies); its password is set to
    ``password``, or to a new random one.
    """
    schema.migrate(admin_url)
    return schema.app_url(admin_url, password)


def app_role_password(settings: settings_mod.ServerSettings) -> str:
    """The application role's password in ``data_dir/app_role.password``, generated (0600) on first use."""
    path = settings.data_dir / PASSWORD_FILE
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(24))
    return path.read_text().strip()


@contextlib.contextmanager
def database(settings: settings_mod.ServerSettings,
             env: Mapping[str, str] | None = None) -> Iterator[settings_mod.ServerSettings]:
    """``settings`` with a ``database_url`` the server can use, for the duration of the ``with`` block.

    Without ``database_url``: start the embedded cluster (adopting one that already runs), create its database,
    migrate it, and stop the cluster at the end if this call started it. With one: migrate only when
    ``ALMACEN_ADMIN_DATABASE_URL`` is in ``env`` (default ``os.environ``).

    Raises:
        pgcluster.ClusterError: the embedded PostgreSQL cannot be created or started.
    """
    env = os.environ if env is None else env
    cluster = None
    try:
        if settings.database_url is None:
            cluster = embedded_cluster(settings)
            cluster.start()
            admin_url: str | None = cluster.create_database(DATABASE_NAME, exist_ok=True)
            log.info("embedded postgresql running", extra={"data_dir": str(cluster.data_dir), "pg_port": cluster.port,
                                                           "adopted": not cluster.started})
        else:
            admin_url = env.get(ADMIN_URL_VARIABLE) or None
        if admin_url:
            settings = replace(settings, database_url=migrate(admin_url, app_role_password(settings)))
            log.info("schema migrated", extra={"role": schema.APP_ROLE})
        yield settings
    finally:
        if cluster is not None and cluster.started:  # one started by `almacen server db-url` is left running
            cluster.stop()
            log.info("embedded postgresql stopped", extra={"data_dir": str(cluster.data_dir)})
