"""What can go wrong talking to the SII, each with a Spanish message for the person who reads it in HQ or the log.

    PosError
    └── SiiError(message, transient, retry_after)
        ├── SiiUnavailable        transient: no connection, timeout, HTTP 5xx/429/405, upload STATUS 9, ESTADO < 0
        ├── SiiBadAnswer          transient: the answer is not what the SII sends (HTML, truncated or hostile XML,
        │                         wrong JSON, unknown codes); retried, since it is usually a proxy or maintenance page
        ├── SiiAuthError          permanent: the SII refused the seed/token (certificate), or the user or company has no
        │                         permission (upload STATUS 1, 6); retried later, but a person must act
        └── SiiFileRejected       permanent: the SII refused this very file (upload STATUS 2, 3, 7, 8); resending the
                                  same bytes cannot succeed

``transient`` tells the forwarder the same request may work later; ``retry_after`` is the SII's ``Retry-After`` /
``X-Retry-After`` when it sent one.
"""

from __future__ import annotations

from datetime import timedelta

from shared.errors import PosError


class SiiConfigError(PosError):
    """An unknown SII environment or a missing stand-in URL (a setting to fix, not an SII answer)."""


class SiiError(PosError):
    """Base of the SII client's errors."""

    transient = True

    def __init__(self, message: str, *, retry_after: timedelta | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.code = code


class SiiUnavailable(SiiError):
    """The SII could not be reached or said it cannot answer now."""


class SiiBadAnswer(SiiError):
    """The SII (or something in between) answered with something unreadable."""


class SiiAuthError(SiiError):
    """Authentication or permission refused by the SII; the message says what to check."""

    transient = False


class SiiFileRejected(SiiError):
    """The SII refused the uploaded file itself (``code`` is the upload STATUS)."""

    transient = False
