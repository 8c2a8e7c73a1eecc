"""Network adapters of the terminal: the sync protocol's HTTP client.

    net/
    └── sync_client.py  HTTP client of the sync protocol: enroll, signed push and pull, new epoch
"""
