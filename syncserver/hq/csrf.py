"""CSRF protection for HQ forms: a random token per session, sent in a hidden field, compared in constant time."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import MutableMapping
from typing import Any

SESSION_KEY = "csrf"
FIELD = "csrf"


def token(session: MutableMapping[str, Any]) -> str:
    """The session's token, created on first use (a new session after login gets a new one)."""
    value = session.get(SESSION_KEY)
    if not isinstance(value, str) or len(value) < 32:
        value = secrets.token_urlsafe(32)
        session[SESSION_KEY] = value
    return value


def valid(session: MutableMapping[str, Any], submitted: object) -> bool:
    """True when ``submitted`` is the session's token; a session without a token accepts nothing."""
    expected = session.get(SESSION_KEY)
    if not isinstance(expected, str) or not expected or not isinstance(submitted, str):
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())
