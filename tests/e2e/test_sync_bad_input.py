"""Bad pushes, pulls and enrollments against a real server: each is refused with its documented code and status
(``syncserver/api/sync.py``) and leaves the master untouched; poison events are quarantined without blocking."""

from __future__ import annotations

import contextlib
import json
import random
import socket
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn

from shared import signing, sync
from shared.events import envelope
from shared.sale import TenderKind
from syncserver import app as app_mod
from syncserver import settings as server_settings
from syncserver import tenancy
from tests.e2e import sync_kit

ROWS = sync_kit.catalog_rows(5)
_setup_tenants = sync_kit.setup_tenants


def _sell(till, sales: int, rng: random.Random, products: int = 5) -> None:
    sync_kit.sell(till.terminal, sales, rng, products, max_lines=3, tenders=(TenderKind.DEBIT,))


def _counts(server) -> tuple[int, ...]:
    """Rows of every tenant (as the superuser, who is not subject to RLS) that a push could have written."""
    with psycopg.connect(server.admin_url) as conn:
        return tuple(conn.execute(
            "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM sales), (SELECT count(*) FROM sale_lines),"
            " (SELECT count(*) FROM quarantine), (SELECT coalesce(sum(acked_seq), 0) FROM sync_tracking),"
            " (SELECT coalesce(sum(quantity), 0) FROM stock), (SELECT count(*) FROM auth_terminal_keys),"
            " (SELECT coalesce(sum(last_seen_seq), 0) FROM terminals)").fetchone() or ())


def _admin(server, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(server.admin_url) as conn:
        return conn.execute(sql, params).fetchall()


def _headers(till, body: bytes) -> dict[str, str]:
    return {"X-Terminal": till.client.terminal_id, "X-Signature": signing.sign(till.client.private_key, body),
            "Content-Type": "application/json"}


def _post(url: str, body: bytes | Any, headers: dict[str, str], path: str = "/sync/push") -> httpx.Response:
    return httpx.post(url + path, content=body, headers=headers, timeout=10)


def _refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert (response.status_code, response.json().get("error")) == (status, code), response.text
    assert response.json().get("message")
    return dict(response.json())


def _batch(till, entries, from_seq: int | None = None, prev_hash: str | None = None, epoch: int | None = None,
           tenant_id: int | None = None) -> sync.PushBatch:
    ident = till.terminal.journal.identity
    entries = tuple(entries)
    return sync.PushBatch(ident.tenant_id if tenant_id is None else tenant_id, ident.store_id, ident.terminal_id,
                          ident.epoch if epoch is None else epoch,
                          entries[0].seq if from_seq is None else from_seq,
                          entries[0].prev_hash if prev_hash is None else prev_hash, entries)


def _chain(bodies: list[dict[str, Any]], prev_hash: str) -> list[envelope.Envelope]:
    """Seal ``bodies`` (envelope bodies, possibly edited) as a valid chain that starts after ``prev_hash``."""
    out = []
    for body in bodies:
        sealed = envelope.seal(**{**body, "prev_hash": prev_hash})
        out.append(sealed)
        prev_hash = sealed.hash
    return out


def _push(server, till, batch: sync.PushBatch) -> httpx.Response:
    body = batch.to_bytes()
    return _post(server.url, body, _headers(till, body))


@contextlib.contextmanager
def _small_server(server, **limits: int) -> Iterator[str]:
    """A second app process-in-thread on the same database with small batch limits; yields its URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    settings = server_settings.ServerSettings(database_url=server.app_url, port=port, secret_key="test-secret",
                                              **limits)
    uv = uvicorn.Server(uvicorn.Config(app_mod.create_app(settings), host="127.0.0.1", port=port,
                                       log_level="warning", lifespan="on"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                break
        time.sleep(0.05)
    try:
        yield url
    finally:
        uv.should_exit = True
        thread.join(10)


@pytest.fixture
def till(server, make_till):
    _setup_tenants(server)
    t = make_till(1, "centro", ROWS)
    _sell(t, 12, random.Random(5))
    return t


def test_unparseable_or_misshapen_bodies_are_malformed(server, till):
    entries = list(till.terminal.journal.read())
    good = json.loads(_batch(till, entries[:5]).to_bytes())
    before = _counts(server)
    bodies: list[bytes] = [
        b"{not json", b"\xff\xfe\x00", b"", b"[]", b"null", b'"batch"',
        json.dumps({**good, "protocol": 2}).encode(),
        json.dumps({k: v for k, v in good.items() if k != "from_seq"}).encode(),
        json.dumps({**good, "from_seq": "1"}).encode(),
        json.dumps({**good, "tenant_id": True}).encode(),
        json.dumps({**good, "events": []}).encode(),
        json.dumps({**good, "events": "muchos"}).encode(),
        json.dumps({**good, "events": [1, 2, 3]}).encode(),
        json.dumps({**good, "events": [{k: v for k, v in good["events"][0].items() if k != "hash"}]}).encode(),
        json.dumps({**good, "events": [{**good["events"][0], "payload": [1, 2]}, *good["events"][1:]]}).encode(),
        json.dumps({**good, "from_seq": 0, "events": [{**e, "seq": e["seq"] - 1} for e in good["events"]]}).encode(),
    ]
    for body in bodies:
        _refused(_post(server.url, body, _headers(till, body)), 400, "malformed")
    assert _counts(server) == before


def test_events_not_contiguous_or_of_another_terminal_are_malformed(server, till, make_till):
    other = make_till(1, "norte", ROWS)
    entries = list(till.terminal.journal.read())
    before = _counts(server)
    skipping = _batch(till, [entries[0], entries[1], entries[3]])
    reordered = _batch(till, [entries[1], entries[0], entries[2]], from_seq=1)
    repeated = _batch(till, [entries[0], entries[1], entries[1]])
    foreign = _batch(till, [entries[0], entries[1], next(other.terminal.journal.read(3, limit=1))])
    wrong_epoch_inside = _batch(till, [entries[0], envelope.seal(**{**entries[1].body(), "epoch": 2})])
    offset = _batch(till, entries[:4], from_seq=2)
    for batch in (skipping, reordered, repeated, foreign, wrong_epoch_inside, offset):
        detail = _refused(_push(server, till, batch), 400, "malformed")
        assert "seq" in detail["message"] or "terminal" in detail["message"]
    # well-chained envelopes whose fields the master's columns cannot hold: a clear 400, never a 500 (which the
    # terminal would take for "offline" and retry forever)
    for change in ({"event_id": "no-es-un-uuid"}, {"version": 2**31}, {"version": -(2**40)}):
        bodies = [e.body() for e in entries[:4]]
        bodies[2] = {**bodies[2], **change}
        detail = _refused(_push(server, till, _batch(till, _chain(bodies, envelope.GENESIS_HASH))), 400, "malformed")
        assert detail["seq"] == 3
    assert _counts(server) == before


def test_bad_credentials_are_unauthenticated(server, till):
    entries = list(till.terminal.journal.read())
    body = _batch(till, entries[:5]).to_bytes()
    before = _counts(server)
    stranger = signing.new_private_key()
    cases = [
        {"X-Terminal": till.client.terminal_id, "X-Signature": signing.sign(stranger, body)},  # another key
        {"X-Terminal": till.client.terminal_id, "X-Signature": signing.sign(till.client.private_key, body + b" ")},
        {"X-Terminal": till.client.terminal_id, "X-Signature": "no es base64!"},
        {"X-Terminal": "terminal-desconocido", "X-Signature": signing.sign(till.client.private_key, body)},
        {"X-Terminal": till.client.terminal_id},
        {"X-Signature": signing.sign(till.client.private_key, body)},
        {},
    ]
    for headers in cases:
        _refused(_post(server.url, body, headers), 401, "unauthenticated")
    # the same for pull and new-epoch requests
    query = "cursor=0&limit=10"
    response = httpx.get(f"{server.url}/sync/pull?{query}", headers={
        "X-Terminal": till.client.terminal_id, "X-Signature": signing.sign(stranger, b"pull?" + query.encode())})
    _refused(response, 401, "unauthenticated")
    _refused(httpx.get(f"{server.url}/sync/pull?{query}"), 401, "unauthenticated")
    epoch_body = b'{"reason":"restored-or-cloned"}'
    _refused(_post(server.url, epoch_body, {"X-Terminal": till.client.terminal_id,
                                            "X-Signature": signing.sign(stranger, epoch_body)}, "/sync/epoch"),
             401, "unauthenticated")
    assert _counts(server) == before
    assert _admin(server, "SELECT current_epoch FROM terminals") == [(1,)]
    # a pull with a bad cursor, properly signed, is malformed
    bad = "cursor=abc&limit=10"
    _refused(httpx.get(f"{server.url}/sync/pull?{bad}", headers=_headers(till, b"pull?" + bad.encode())),
             400, "malformed")


def test_batches_over_the_byte_or_event_limit_are_too_large(server, till):
    entries = list(till.terminal.journal.read())
    assert len(entries) > 12
    before = _counts(server)
    with _small_server(server, max_batch_bytes=32 << 10, max_batch_events=10) as url:
        over_events = _batch(till, entries[:11]).to_bytes()
        detail = _refused(_post(url, over_events, _headers(till, over_events)), 413, "too_large")
        assert detail["max_events"] == 10
        padded = json.loads(_batch(till, entries[:3]).to_bytes())
        padded["padding"] = "x" * (64 << 10)  # a signed body over the byte limit, with Content-Length
        body = json.dumps(padded).encode()
        detail = _refused(_post(url, body, _headers(till, body)), 413, "too_large")
        assert detail["max_bytes"] == 32 << 10

        def chunks() -> Iterator[bytes]:  # no Content-Length: the server must count as it reads
            for i in range(0, len(body), 4096):
                yield body[i:i + 4096]
        detail = _refused(_post(url, chunks(), _headers(till, body)), 413, "too_large")
        assert detail["max_bytes"] == 32 << 10
        big_enroll = json.dumps({"code": "X" * (80 << 10), "public_key": "k", "terminal_id": "t"}).encode()
        _refused(_post(url, big_enroll, {"Content-Type": "application/json"}, "/sync/enroll"), 413, "too_large")
        assert _counts(server) == before
        ok = _batch(till, entries[:10]).to_bytes()  # at the limits: accepted
        assert _post(url, ok, _headers(till, ok)).json()["acked_seq"] == 10
    # the default server refuses a huge body by its declared length before reading it
    huge = b"{" + b" " * (9 << 20) + b"}"
    _refused(_post(server.url, huge, _headers(till, huge)), 413, "too_large")
    assert _admin(server, "SELECT max(seq) FROM events") == [(10,)]


def test_replayed_range_with_other_content_or_other_epoch_is_refused_as_epoch(server, till):
    entries = list(till.terminal.journal.read())
    assert _push(server, till, _batch(till, entries[:10])).json()["acked_seq"] == 10
    before = _counts(server)
    # the same seqs 5..12 again, but 5 and on re-sealed with another content (a restored or cloned journal)
    bodies = [e.body() for e in entries[4:12]]
    bodies[0] = {**bodies[0], "occurred_at": "2020-01-01T00:00:00-03:00"}
    forked = _chain(bodies, entries[3].hash)
    detail = _refused(_push(server, till, _batch(till, forked)), 409, "epoch")
    assert detail["conflict_seq"] == 5
    # only the old part differs: still refused, and the new part (11, 12) is not applied
    bodies = [e.body() for e in entries[8:12]]
    bodies[1] = {**bodies[1], "event_id": "01890000-0000-7000-8000-000000000000"}
    detail = _refused(_push(server, till, _batch(till, _chain(bodies, entries[7].hash))), 409, "epoch")
    assert detail["conflict_seq"] == 10
    # an old seq whose stored hash matches but whose content was altered (hash no longer its own)
    tampered = envelope.Envelope(**{**entries[2].to_dict(), "payload": {**entries[2].payload, "x": 1}})
    detail = _refused(_push(server, till, _batch(till, [entries[0], entries[1], tampered])), 409, "epoch")
    assert detail["conflict_seq"] == 3
    # an epoch that is not the terminal's current one
    resealed = _chain([{**e.body(), "epoch": 2} for e in entries[10:12]], envelope.GENESIS_HASH)
    detail = _refused(_push(server, till, _batch(till, resealed, from_seq=11, epoch=2)), 409, "epoch")
    assert detail["current_epoch"] == 1
    assert _counts(server) == before
    # replaying exactly what was stored is a no-op with the same ack
    again = _push(server, till, _batch(till, entries[2:10]))
    assert again.status_code == 200 and again.json() == {"epoch": 1, "acked_seq": 10, "acked_hash": entries[9].hash,
                                                         "applied": 0, "quarantined": 0}
    assert _counts(server) == before


def test_gap_answers_expected_seq_and_broken_chain_is_422(server, till):
    entries = list(till.terminal.journal.read())
    assert _push(server, till, _batch(till, entries[:6])).json()["acked_seq"] == 6
    before = _counts(server)
    detail = _refused(_push(server, till, _batch(till, entries[8:12])), 409, "gap")
    assert detail["expected_seq"] == 7
    # a payload altered in the middle of new events: the hash no longer matches
    altered = list(entries[6:12])
    altered[2] = envelope.Envelope(**{**altered[2].to_dict(), "payload": {**altered[2].payload, "total": 1}})
    detail = _refused(_push(server, till, _batch(till, altered)), 422, "chain")
    assert detail["seq"] == 9
    # a well-sealed range that does not continue the stored chain
    detached = _chain([e.body() for e in entries[6:12]], "f" * 64)
    detail = _refused(_push(server, till, _batch(till, detached)), 422, "chain")
    assert detail["seq"] == 7
    # a link dropped: 8 re-sealed on top of another prev_hash
    relinked = [entries[6], envelope.seal(**{**entries[7].body(), "prev_hash": entries[5].hash}), *entries[8:10]]
    detail = _refused(_push(server, till, _batch(till, relinked)), 422, "chain")
    assert detail["seq"] == 8
    assert _counts(server) == before
    assert _push(server, till, _batch(till, entries[6:])).json()["acked_seq"] == len(entries)


def test_a_payload_nested_deeper_than_the_stack_is_malformed_not_a_500(server, till):
    """orjson reads up to 1024 levels, but hashing past Python's recursion limit fails: a clear 400, nothing kept."""
    entries = list(till.terminal.journal.read())
    assert _push(server, till, _batch(till, entries[:6])).json()["acked_seq"] == 6
    before = _counts(server)
    deep: Any = "fondo"
    for _ in range(1010):
        deep = [deep]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(5000)  # only to seal it here, as a hostile client would by other means
    try:
        sealed = envelope.seal(**{**entries[6].body(), "payload": {**entries[6].payload, "notes": deep}})
        body = _batch(till, [sealed]).to_bytes()
    finally:
        sys.setrecursionlimit(limit)
    detail = _refused(_post(server.url, body, _headers(till, body)), 400, "malformed")
    assert "anidados" in detail["message"]
    assert _counts(server) == before
    assert _push(server, till, _batch(till, entries[6:])).json()["acked_seq"] == len(entries)


def test_enrollment_code_unknown_reused_or_expired(server, till):
    def enroll(code: str, terminal_id: str, key: bytes | None = None) -> httpx.Response:
        key = key or signing.new_private_key()
        return _post(server.url, json.dumps({"code": code, "public_key": signing.public_key(key),
                                             "terminal_id": terminal_id}).encode(),
                     {"Content-Type": "application/json"}, "/sync/enroll")

    before = _counts(server)
    code = str(server.run(lambda pool: tenancy.issue_enrollment_code(pool, 1, "centro", "Caja 2")))
    expired = str(server.run(lambda pool: tenancy.issue_enrollment_code(pool, 1, "centro", "Caja 3",
                                                                         ttl=timedelta(seconds=-1))))
    assert enroll(code, "caja-2").status_code == 200
    after_first = _counts(server)
    assert after_first[6] == before[6] + 1
    assert "ya fue usado" in _refused(enroll(code, "caja-2b"), 400, "enrollment")["message"]
    assert "expiró" in _refused(enroll(expired, "caja-3"), 400, "enrollment")["message"]
    _refused(enroll("AAAA-BBBB-CCCC", "caja-4"), 400, "enrollment")
    fresh = str(server.run(lambda pool: tenancy.issue_enrollment_code(pool, 1, "centro", "Caja 5")))
    _refused(enroll(fresh, till.client.terminal_id), 400, "enrollment")  # an id already registered
    _refused(enroll(fresh, "caja-5", till.client.private_key), 400, "enrollment")  # a key already registered
    reserved = _refused(enroll(fresh, "HQ"), 400, "enrollment")  # the id of the server's own folio leases
    assert "reservado" in reserved["message"]
    for body in (b"{", b"[]", json.dumps({"code": fresh, "public_key": 5, "terminal_id": "x"}).encode()):
        _refused(_post(server.url, body, {"Content-Type": "application/json"}, "/sync/enroll"), 400, "malformed")
    with pytest.raises(tenancy.TenancyError) as info:
        server.run(lambda pool: tenancy.issue_enrollment_code(pool, 1, "no-existe", "Caja"))
    assert info.value.code == "enrollment"
    assert _counts(server) == after_first
    # the failed attempts did not burn the fresh code
    assert enroll(fresh, "caja-5").status_code == 200


def test_unknown_type_newer_version_or_bad_payload_is_quarantined_and_later_events_apply(server, till):
    entries = list(till.terminal.journal.read())
    sales = [e for e in entries if e.type == "sale.completed"]
    assert len(sales) == 12
    first_sale = sales[0].seq
    bodies = [e.body() for e in entries]
    poison: dict[int, tuple[dict[str, Any], str]] = {}

    def replace(index: int, body: dict[str, Any], why: str) -> None:
        bodies[index] = body
        poison[bodies[index]["seq"]] = (body, why)

    i = first_sale - 1 + 2  # the third sale, then the fifth, the seventh and the ninth
    replace(i, {**bodies[i], "type": "loyalty.points_earned", "payload": {"points": 10}}, "loyalty.points_earned")
    replace(i + 2, {**bodies[i + 2], "version": 99}, "99")
    replace(i + 4, {**bodies[i + 4], "payload": {"sale_id": "roto"}}, "")
    nul_sale = bodies[i + 6]["payload"]  # a scanner sent a NUL into a line's name: PostgreSQL cannot store it
    nul_lines = [{**nul_sale["lines"][0], "name": "Pan\x00 amasado"}, *nul_sale["lines"][1:]]
    replace(i + 6, {**bodies[i + 6], "payload": {**nul_sale, "lines": nul_lines}}, "NUL")
    chain = _chain(bodies, envelope.GENESIS_HASH)
    good_sales = {e.payload["sale_id"] for e in chain if e.type == "sale.completed" and e.seq not in poison}
    assert len(good_sales) == 8

    response = _push(server, till, _batch(till, chain))
    assert response.status_code == 200, response.text
    ack = response.json()
    assert ack == {"epoch": 1, "acked_seq": len(chain), "acked_hash": chain[-1].hash,
                   "applied": len(chain) - 4, "quarantined": 4}
    rows = _admin(server, "SELECT seq, type, version, reason, payload FROM quarantine ORDER BY seq")
    assert [r[0] for r in rows] == sorted(poison)
    for seq, type_, version, reason, payload in rows:
        body, why = poison[seq]
        kept = json.loads(json.dumps(body["payload"]).replace("\\u0000", "\\ufffd"))  # NUL kept as U+FFFD
        assert (type_, version, payload) == (body["type"], body["version"], kept)
        assert reason and why in reason
    # every event is stored (the poison ones too), the cursor advanced past them, later sales were applied
    assert _admin(server, "SELECT count(*), max(seq) FROM events") == [(len(chain), len(chain))]
    assert _admin(server, "SELECT acked_seq FROM sync_tracking") == [(len(chain),)]
    assert {r[0] for r in _admin(server, "SELECT sale_id FROM sales")} == good_sales
    assert _admin(server, "SELECT max(seq) FROM sales") == [(chain[-1].seq,)]
    # the next batch continues normally
    _sell(till, 1, random.Random(9))
    tail = list(till.terminal.journal.read(len(chain) + 1))
    nxt = _batch(till, [envelope.seal(**{**e.body(), "prev_hash": chain[-1].hash}) for e in tail[:1]])
    assert _push(server, till, nxt).json()["applied"] == 1


def test_push_from_a_revoked_terminal_or_for_another_tenant_is_forbidden(server, till):
    entries = list(till.terminal.journal.read())
    before = _counts(server)
    claimed = _chain([{**e.body(), "tenant_id": 2, "store_id": "esquina"} for e in entries[:4]], envelope.GENESIS_HASH)
    other_tenant = sync.PushBatch(2, "esquina", till.client.terminal_id, 1, 1, envelope.GENESIS_HASH, tuple(claimed))
    _refused(_push(server, till, other_tenant), 403, "tenant")
    server.run(lambda pool: tenancy.revoke(pool, 1, till.client.terminal_id))
    _refused(_push(server, till, _batch(till, entries[:4])), 403, "revoked")
    assert _counts(server) == before


def test_unusable_pending_header_is_ignored_not_a_500(server, till):
    """``X-Pending`` is display data outside the signature: garbage in it must not fail an otherwise good push."""
    entries = list(till.terminal.journal.read())
    for n, pending in enumerate(["99999999999999999999", "\u00b2", "-5", "abc", "12"]):
        body = _batch(till, entries[n:n + 1]).to_bytes()
        response = _post(server.url, body, {**_headers(till, body), "X-Pending": pending.encode("latin-1")})
        assert response.status_code == 200 and response.json()["acked_seq"] == n + 1, (pending, response.text)
    assert _admin(server, "SELECT pending_reported FROM terminals") == [(11,)]


def test_terminal_shrinks_its_batches_when_the_server_answers_too_large(server, till):
    from desktop.net.sync_client import SyncClient
    from desktop.services.sync import SyncService

    with _small_server(server, max_batch_events=20, max_batch_bytes=16 << 10) as url:
        client = SyncClient(url, till.client.terminal_id, till.client.private_key)
        try:
            service = SyncService(till.terminal.journal, client)
            for _ in range(5):
                status = service.sync_once(till.terminal.journal.clock())
                if status.online and status.pending == 0:
                    break
        finally:
            client.close()
    assert status.online and status.pending == 0, status
