"""The terminal channel attacked (``/sync/enroll``, ``/sync/push``, ``/sync/pull``, ``/sync/epoch``) by a till of
tenant A (centro), holding its own key: batches naming another tenant, store or terminal, replays, forged or doubled
signatures, a revoked till, another till's folio, warehouse and shift, enrolment codes of another tenant, huge and
deeply nested bodies, spoofed client addresses and hosts.

Each case asserts the refusal (status, error code and Spanish message; or the event quarantined with its reason), that
nothing was applied (every read model, document and lease row compared before and after; the other tills' rows
untouched) and where it is recorded: the audit trail of the tenant whose key signed the request (or who issued the
enrolment code), with the terminal and the client's address. A request no key verified (a forged signature, an unknown
terminal, no headers, an oversized body read before any key) belongs to no tenant provably: naming a terminal id proves
nothing, so writing it to that tenant's trail would let a stranger fill it. Those go to the server log
(``almacen.sync``), which the case checks instead.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from shared import signing
from shared.events import purchases
from syncserver import tenancy
from tests.attacks.attack_kit import ADDRESS, Attack, Till, _enroll, push, sale, shift_opened

APPLIED = ("sales", "sale_lines", "sale_tenders", "shifts", "stock", "purchases", "dte_documents", "dte_outbox",
           "returns", "products", "warehouses", "stores", "users", "terminals", "auth_terminal_keys")
"""Tables a refused request must leave as they were (a quarantined event may add its journal and quarantine rows)."""


@dataclass
class Outcome:
    """What a case must get: HTTP status, the error code and a piece of its Spanish message (or the quarantine
    reason), the audit line (tenant, kind, actor key, piece of detail) or the server log's piece, and which tables
    may change."""

    status: int
    code: str = ""
    message: str = ""
    audit: tuple[int, str, str, str] | None = None
    logged: str = ""
    may_change: tuple[str, ...] = ()


Scenario = Callable[[Attack, httpx.AsyncClient], Awaitable[tuple[httpx.Response, Outcome]]]
CASES: dict[str, Scenario] = {}


def case(name: str) -> Callable[[Scenario], Scenario]:
    def register(scenario: Scenario) -> Scenario:
        CASES[name] = scenario
        return scenario
    return register


def a1(attack: Attack) -> Till:
    return attack.tills["A1"]


async def _forged_envelope(attack: Attack, client: httpx.AsyncClient, **ids: Any) -> httpx.Response:
    till = a1(attack)
    till.entry(sale("turno-A1"), **ids)  # the events say the same as the envelope: only the key disagrees
    body = till.batch(**ids)
    try:
        return await client.post("/sync/push", content=body, headers={**till.headers(body), "X-Tenant-Id": "2",
                                                                        "Host": "esquina.almacen.test"})
    finally:
        till.forget()


TENANT = "el lote no corresponde al tenant, tienda o terminal de esta clave"


@case("envelope names tenant B")
async def _envelope_tenant(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    answer = await _forged_envelope(attack, client, tenant_id=2, store_id="esquina")
    return answer, Outcome(403, "tenant", TENANT, (1, "request_refused", a1(attack).terminal_id, "tenant"))


@case("envelope names store norte of the same tenant")
async def _envelope_store(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    answer = await _forged_envelope(attack, client, store_id="norte")
    return answer, Outcome(403, "tenant", TENANT, (1, "request_refused", a1(attack).terminal_id, "tenant"))


@case("envelope names till A2")
async def _envelope_terminal(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    answer = await _forged_envelope(attack, client, terminal_id=attack.tills["A2"].terminal_id)
    return answer, Outcome(403, "tenant", TENANT, (1, "request_refused", a1(attack).terminal_id, "tenant"))


@case("events inside name tenant B")
async def _entries_tenant(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    till = a1(attack)
    till.entry(sale("turno-A1"), tenant_id=2, store_id="esquina")
    try:
        answer = await push(client, till, till.batch(), till.headers(till.batch()))
    finally:
        till.forget()
    return answer, Outcome(400, "malformed", "", logged="push refused")


@case("B's signed batch replayed by A1's key")
async def _replay_other(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    theirs = attack.tills["B"]
    body = theirs.batch() if theirs.acked < len(theirs.journal) else _acked_body(theirs)
    answer = await client.post("/sync/push", content=body, headers=a1(attack).headers(body))
    return answer, Outcome(403, "tenant", TENANT, (1, "request_refused", a1(attack).terminal_id, "tenant"))


def _acked_body(till: Till) -> bytes:
    acked, till.acked = till.acked, 0
    try:
        return till.batch()
    finally:
        till.acked = acked


@case("A1's own acknowledged batch replayed")
async def _replay_own(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    till = a1(attack)
    body = _acked_body(till)
    answer = await client.post("/sync/push", content=body, headers=till.headers(body))
    assert answer.status_code == 200 and answer.json()["acked_seq"] == till.acked, answer.text
    return answer, Outcome(200)  # idempotent: the same ack, nothing applied twice (a till's retry is no attack)


@case("B's batch with B's terminal header, signed by A1's key")
async def _forged_signature(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    theirs = attack.tills["B"]
    theirs.entry(sale("turno-B"))
    body = theirs.batch()
    theirs.forget()
    answer = await client.post("/sync/push", content=body, headers=theirs.headers(body, key=a1(attack).private_key))
    return answer, Outcome(401, "unauthenticated", "firma inválida", logged="push refused")


@case("a terminal id no tenant has")
async def _unknown_terminal(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    till = a1(attack)
    till.entry(sale("turno-A1"))
    body = till.batch()
    till.forget()
    answer = await client.post("/sync/push", content=body, headers={**till.headers(body),
                                                                    "X-Terminal": str(uuid.uuid4())})
    return answer, Outcome(401, "unauthenticated", "terminal desconocido", logged="push refused")


@case("no signature headers")
async def _no_headers(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    till = a1(attack)
    till.entry(sale("turno-A1"))
    body = till.batch()
    till.forget()
    answer = await client.post("/sync/push", content=body, headers={"X-Terminal": till.terminal_id})
    return answer, Outcome(401, "unauthenticated", "faltan las cabeceras", logged="push refused")


async def _doubled(attack: Attack, client: httpx.AsyncClient, header: str, first_forged: bool
                   ) -> httpx.Response:
    till = a1(attack)
    till.entry(sale("turno-A1"))
    body = till.batch()
    till.forget()
    good = till.headers(body)
    bad = {"X-Signature": signing.sign(signing.new_private_key(), body),
           "X-Terminal": attack.tills["B"].terminal_id}[header]
    values = [bad, good[header]] if first_forged else [good[header], bad]
    raw = [(k, v) for k, v in good.items() if k != header] + [(header, v) for v in values]
    return await client.post("/sync/push", content=body, headers=httpx.Headers(raw))


@case("X-Signature twice, the forged one first")
async def _double_signature_1(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    return await _doubled(attack, client, "X-Signature", True), Outcome(
        401, "unauthenticated", "una sola vez", logged="push refused")


@case("X-Signature twice, the valid one first")
async def _double_signature_2(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    return await _doubled(attack, client, "X-Signature", False), Outcome(
        401, "unauthenticated", "una sola vez", logged="push refused")


@case("X-Terminal twice (B's, then A1's)")
async def _double_terminal(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    return await _doubled(attack, client, "X-Terminal", True), Outcome(
        401, "unauthenticated", "una sola vez", logged="push refused")


@case("a revoked till pushes")
async def _revoked(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    assert attack.pool is not None
    gone = await _enroll(attack.pool, 1, "centro", "Caja Robada")
    await tenancy.revoke(attack.pool, 1, gone.terminal_id)
    gone.entry(shift_opened("turno-robado"))
    answer = await client.post("/sync/push", content=gone.batch(), headers=gone.headers(gone.batch()))
    return answer, Outcome(403, "revoked", "revocado", (1, "request_refused", gone.terminal_id, "revoked"),
                           may_change=("terminals", "auth_terminal_keys", "auth_enrollment_codes", "folio_leases",
                                       "changes"))


@case("a revoked till pulls")
async def _revoked_pull(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    assert attack.pool is not None
    gone = await _enroll(attack.pool, 1, "centro", "Caja Robada 2")
    await tenancy.revoke(attack.pool, 1, gone.terminal_id)
    query = "cursor=0&limit=10"
    answer = await client.get("/sync/pull?" + query, headers=gone.headers(b"pull?" + query.encode()))
    return answer, Outcome(403, "revoked", "revocado", (1, "request_refused", gone.terminal_id, "revoked"),
                           may_change=("terminals", "auth_terminal_keys", "auth_enrollment_codes", "folio_leases",
                                       "changes"))


@case("pull as till A2 signed by A1's key")
async def _pull_other(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    query = "cursor=0&limit=10"
    headers = {**a1(attack).headers(b"pull?" + query.encode()), "X-Terminal": attack.tills["A2"].terminal_id}
    answer = await client.get("/sync/pull?" + query, headers=headers)
    return answer, Outcome(401, "unauthenticated", "firma inválida")


@case("a new epoch for till B signed by A1's key")
async def _epoch_other(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    body = b"{}"
    headers = {**a1(attack).headers(body), "X-Terminal": attack.tills["B"].terminal_id}
    answer = await client.post("/sync/epoch", content=body, headers=headers)
    return answer, Outcome(401, "unauthenticated", "firma inválida")


async def _quarantined(attack: Attack, client: httpx.AsyncClient, event: Any, reason: str
                       ) -> tuple[httpx.Response, Outcome]:
    till = a1(attack)
    till.entry(event)
    answer = await push(client, till)
    assert answer.status_code == 200 and answer.json()["quarantined"] == 1, answer.text
    return answer, Outcome(200, "", reason, (1, "event_quarantined", till.terminal_id, reason),
                           may_change=("events", "quarantine", "terminals", "folio_leases", "changes",
                                       "sync_tracking"))


@case("a sale stamped with till A2's folio")
async def _folio(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    (folio,) = attack.rows("SELECT desde FROM folio_leases WHERE terminal_id = %s AND tipo = 39 ORDER BY desde"
                           " LIMIT 1", attack.tills["A2"].terminal_id)[0]
    return await _quarantined(attack, client, sale("turno-A1", 39, folio), "folio no asignado a esta caja")


@case("a purchase into store norte's warehouse")
async def _warehouse(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    line = purchases.PurchaseLine(1, "A-1", None, "Producto 1", Decimal(10), "UN", 100, 1000, 1000, False, "PAN-1")
    bought = purchases.PurchaseReceived(str(uuid.uuid4()), purchases.Supplier("76086428-5", "Distribuidora SpA",
                                                                              "Mayorista"),
                                        33, 77, "2026-11-20", "norte-bodega", (line,), 1000, 0, 190, 1190, "0" * 64,
                                        True)
    return await _quarantined(attack, client, bought, "bodega ajena")


@case("a purchase into tenant B's warehouse")
async def _warehouse_b(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    line = purchases.PurchaseLine(1, "A-1", None, "Producto 1", Decimal(10), "UN", 100, 1000, 1000, False, "PAN-1")
    bought = purchases.PurchaseReceived(str(uuid.uuid4()), purchases.Supplier("76086428-5", "Distribuidora SpA",
                                                                              "Mayorista"),
                                        33, 78, "2026-11-20", "esquina-bodega", (line,), 1000, 0, 190, 1190,
                                        "0" * 64, True)
    return await _quarantined(attack, client, bought, "bodega desconocida")


@case("a sale on till A2's shift")
async def _shift(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    return await _quarantined(attack, client, sale("turno-A2"), "turno ajeno")


async def _enrol(client: httpx.AsyncClient, code: str, terminal_id: str, headers: dict[str, str] | None = None
                 ) -> httpx.Response:
    return await client.post("/sync/enroll", headers=headers or {}, json={
        "code": code, "public_key": signing.public_key(signing.new_private_key()), "terminal_id": terminal_id})


@case("tenant B's enrolment code claiming till A1's id")
async def _enrol_hijack(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    assert attack.pool is not None
    code = await tenancy.issue_enrollment_code(attack.pool, 2, "esquina", "Caja Nueva")
    answer = await _enrol(client, code, a1(attack).terminal_id)
    return answer, Outcome(400, "enrollment", "", (2, "enrolment_refused", a1(attack).terminal_id, ""),
                           may_change=("auth_enrollment_codes",))


@case("a code tenant A already used")
async def _enrol_used(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    (code_hash,) = attack.rows("SELECT code_hash FROM auth_enrollment_codes WHERE tenant_id = 1 AND used_at IS NOT"
                               " NULL LIMIT 1")[0]
    del code_hash  # only its hash is stored: the attacker replays the code the till once sent
    assert attack.pool is not None
    code = await tenancy.issue_enrollment_code(attack.pool, 1, "centro", "Caja Usada")
    assert (await _enrol(client, code, str(uuid.uuid4()))).status_code == 200
    before = attack.snapshot()
    answer = await _enrol(client, code, str(uuid.uuid4()))
    attack.ids["before"] = before  # the first enrolment was the owner's; compare from here
    return answer, Outcome(400, "enrollment", "", (1, "enrolment_refused", "", ""))


@case("a guessed enrolment code")
async def _enrol_guess(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    answer = await _enrol(client, "AAAA-BBBB-CCCC", str(uuid.uuid4()))
    return answer, Outcome(400, "enrollment", "", logged="enrolment refused")


@case("X-Forwarded-For changed on every refused enrolment")
async def _spoofed_address(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    assert attack.pool is not None
    code = await tenancy.issue_enrollment_code(attack.pool, 2, "esquina", "Caja Señuelo")
    await _enrol(client, code, str(uuid.uuid4()))  # used once: every later try is refused and audited in B
    attack.ids["before"] = attack.snapshot()
    answers = [await _enrol(client, code, str(uuid.uuid4()), {"X-Forwarded-For": f"10.0.0.{n}",
                                                                "X-Real-IP": f"10.0.1.{n}"}) for n in range(11)]
    try:
        statuses = [a.status_code for a in answers]
        assert statuses[0] == 400 and statuses[-1] == 429, [a.text for a in answers]
        assert statuses.index(429) <= 10 and set(statuses[:statuses.index(429)]) == {400}, statuses
    finally:
        attack.execute("DELETE FROM auth_throttle")
    return answers[-1], Outcome(429, "rate_limited", "demasiados intentos", (2, "enrolment_locked", "", ""))


@case("a body over the size limit")
async def _oversized(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    till = a1(attack)
    body = b'{"protocol": 1, "pad": "' + b"x" * (8 * 1024 * 1024 + 10) + b'"}'
    answer = await client.post("/sync/push", content=body, headers=till.headers(b"x"))
    return answer, Outcome(413, "too_large", "el lote supera", logged="push refused")


@case("an event nested 5,000 levels deep")
async def _nested(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    till = a1(attack)
    till.entry(sale("turno-A1"))
    body = till.batch()
    till.forget()
    data = json.loads(body)
    data["events"][0]["payload"]["lines"][0]["name"] = "NESTED"
    forged = json.dumps(data).encode().replace(b'"NESTED"', b"[" * 5000 + b"]" * 5000)
    answer = await client.post("/sync/push", content=forged, headers=till.headers(forged))
    return answer, Outcome(400, "malformed", "", logged="push refused")


@case("JSON that is not a batch")
async def _not_a_batch(attack: Attack, client: httpx.AsyncClient) -> tuple[httpx.Response, Outcome]:
    till = a1(attack)
    body = b'[{"tenant_id": 2}]'
    answer = await client.post("/sync/push", content=body, headers=till.headers(body))
    return answer, Outcome(400, "malformed", "", logged="push refused")


@pytest.mark.parametrize("name", list(CASES))
def test_terminal_channel_refuses_applies_nothing_and_records_it(attack: Attack, name: str,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    assert attack.app is not None
    app = attack.app
    before, mark = attack.snapshot(), attack.audit_mark()
    attack.ids.pop("before", None)

    async def scenario() -> tuple[httpx.Response, Outcome]:
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://almacen.test") as client:
            return await CASES[name](attack, client)

    with caplog.at_level(logging.INFO):
        answer, outcome = attack.run(scenario())
    before = attack.ids.pop("before", before)
    assert answer.status_code == outcome.status, (name, answer.status_code, answer.text[:500])
    if outcome.code:
        assert answer.json()["error"] == outcome.code, (name, answer.text[:500])
    if outcome.status >= 400 and outcome.message:
        assert outcome.message in answer.json()["message"], (name, answer.text[:500])
    changed = [t for t in attack.changed(before) if t not in outcome.may_change]
    assert not changed, (name, changed)
    assert not [t for t in attack.changed(before) if t in APPLIED and t not in outcome.may_change]
    if outcome.audit is not None:
        tenant, kind, actor, detail = outcome.audit
        # a till's refusals of one kind are written once an hour (push.CLOSED_AUDIT_EVERY): an earlier case's may be it
        lines = attack.run(attack.trail(tenant, 0 if kind == "request_refused" else mark))
        hits = [e for e in lines if e.kind == kind and actor in e.actor and e.address == ADDRESS
                and detail in e.detail]
        assert hits, (name, [(e.kind, e.actor, e.address, e.detail) for e in lines])
    if outcome.logged:
        assert any(outcome.logged in r.getMessage() for r in caplog.records), (name, caplog.text[-500:])
    for other in (1, 2):  # no line of any tenant names an address other than the client's own
        assert all(e.address in (ADDRESS, "") for e in attack.run(attack.trail(other, mark))), name
