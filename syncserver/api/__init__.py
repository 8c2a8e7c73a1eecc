"""JSON endpoints for terminals: enrollment, push, pull."""
