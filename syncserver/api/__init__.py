"""JSON endpoints for terminals (``sync.py``): enrolment, push, pull of the change feed, new epoch."""
