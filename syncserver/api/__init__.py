"""JSON endpoints for terminals: enrolment, push, pull of the change feed, new epoch (the protocol:
docs/architecture.md#3-the-sync-protocol).

    api/
    └── sync.py  ``/sync/enroll``, ``/sync/push``, ``/sync/pull``, ``/sync/epoch``
"""
