"""Talking to the SII (or its local stand-in): the forwarder packs signed documents into envelopes, sends them and
records the SII's verdicts, each envelope claimed so no transaction is open while the SII answers; the scheduler
runs a pass per tenant inside the server (docs/architecture.md §5).

    sii/
    ├── acceptance.py   answering a supplier's factura in the Registro de Reclamos (accept, receipt, claim)
    ├── claims.py       claim → call → record: leases on envelopes, renewal, give-back, settle
    ├── forwarder.py    pack, send, poll: one forwarding pass, and the forwarder's public names
    ├── packing.py      signed documents into EnvioBOLETA / EnvioDTE envelopes; the tenant's SII account
    ├── polling.py      envío states and final verdicts
    ├── scheduler.py    every dte_interval s: a pass per tenant (one process per tenant at a time)
    ├── sending.py      uploads and their receipts (track id, STATUS 99, refused files)
    ├── standin_caf.py  CAFs and a demo certificate issued by the stand-in
    ├── untracked.py    envelopes without track id, asked document by document
    ├── verdicts.py     each document's verdict from the SII's answers, and how it is recorded
    ├── worker.py       one tenant's pass: sign, build the RVD, forward
    └── ws/             the SII's web services: client (tokens, calls), answers (parsing), soap, endpoints, errors
"""
