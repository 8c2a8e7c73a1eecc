"""PostgreSQL adapter of the sync server: schema, tenant-scoped transactions."""
