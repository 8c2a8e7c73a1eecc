"""HTTP client of the sync protocol (httpx): enroll, signed push, signed pull, new epoch, lease report.

Every failure becomes a ``SyncError``: the server's own codes (``gap``, ``epoch``, ``revoked``...) with their
data, or ``offline`` when the server cannot be reached or answers 5xx.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx

from shared import signing, sync


class SyncClient:
    """One terminal's connection to the sync server."""

    def __init__(self, base_url: str, terminal_id: str, private_key: bytes, *,
                 transport: httpx.BaseTransport | None = None, timeout: float = 10.0,
                 clock: Any = None) -> None:
        self.terminal_id = terminal_id
        self.private_key = private_key
        self.clock = clock or (lambda: datetime.now().astimezone())
        self.http = httpx.Client(base_url=base_url.rstrip("/"), transport=transport, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def _headers(self, signed: bytes) -> dict[str, str]:
        return {"X-Terminal": self.terminal_id, "X-Signature": signing.sign(self.private_key, signed),
                "X-Terminal-Time": self.clock().isoformat(timespec="seconds"), "Content-Type": "application/json"}

    def _send(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise sync.SyncError("offline", f"sin conexión con el servidor ({type(exc).__name__})") from None
        if response.status_code >= 500:
            raise sync.SyncError("offline", f"el servidor respondió {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise sync.SyncError("offline", f"respuesta ilegible ({response.status_code})") from None
        if response.status_code >= 400:
            code = str(data.get("error", "malformed"))
            extra = {k: v for k, v in data.items() if k not in ("error", "message")}
            raise sync.SyncError(code, str(data.get("message", "")), **extra)
        return dict(data)

    def enroll(self, code: str, public_key: str) -> dict[str, Any]:
        """Raises: SyncError (``enrollment`` for a bad, used or expired code; ``offline``)."""
        return self._send("POST", "/sync/enroll", json={"code": code, "public_key": public_key,
                                                         "terminal_id": self.terminal_id})

    def push(self, batch: sync.PushBatch, pending: int = 0) -> sync.Ack:
        """Send a batch; ``pending`` is how many entries this terminal still holds unsent (shown in HQ)."""
        body = batch.to_bytes()
        headers = {**self._headers(body), "X-Pending": str(max(pending, 0))}
        return sync.Ack.from_dict(self._send("POST", "/sync/push", content=body, headers=headers))

    def pull(self, cursor: int, limit: int = 500) -> tuple[list[dict[str, Any]], int, bool]:
        query = f"cursor={cursor}&limit={limit}"
        data = self._send("GET", f"/sync/pull?{query}", headers=self._headers(b"pull?" + query.encode()))
        return list(data["changes"]), int(data["cursor"]), bool(data["more"])

    def report_leases(self, leases: list[tuple[int, int, int, int]]) -> dict[str, Any]:
        """Send every folio lease this terminal holds, ``(tipo, desde, hasta, epoch)`` (a restored master asked for
        them); the master's answer (``known``, ``leased``, ``without_caf``, ``conflicts``)."""
        body = json.dumps({"leases": [list(lease) for lease in leases]}, separators=(",", ":")).encode()
        return self._send("POST", "/sync/leases", content=body, headers=self._headers(body))

    def new_epoch(self) -> int:
        body = b'{"reason":"restored-or-cloned"}'
        return int(self._send("POST", "/sync/epoch", content=body, headers=self._headers(body))["epoch"])
