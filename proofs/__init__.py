"""The project's proofs at scale: seeded fault runs of sync, SIGKILLs and power losses of a selling till.

Run by ``scripts/prove-faults`` and ``scripts/prove-crashes``; a fast share of each runs in the suite
(``tests/proofs``). These modules import the application (``shared``, ``desktop``, ``syncserver``), never the
tests: the suite imports them. How each proof works and its limits: ``docs/proofs.md``.

├── proxy.py         a seeded fault-injecting HTTP/1.1 proxy between a till and the server
├── server.py        the sync server as a real process (SIGKILL-able) on a database of a local cluster
├── faults.py        seeded runs of tills selling and syncing through faults, and the convergence oracle
├── crash_worker.py  a till that sells as fast as it can and reports each acknowledged sale
├── crashes.py       SIGKILL a selling till at seeded random points; every acknowledged sale survives
└── powerloss.py     replay a traced till to a random fsync point, unsynced writes lost; nothing acknowledged lost
"""
