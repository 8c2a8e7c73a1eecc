"""The SII's authentication as the client does it against the stand-in served by uvicorn: seed, signed seed, token;
the stand-in refuses unsigned, tampered, forged and reused seeds and certificates out of date; tokens are cached,
and an expired one is renewed once when the SII says the session is gone."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree

from shared.dte import xmlcore
from syncserver import sii_standin
from syncserver.sii import ws
from syncserver.sii.ws import endpoints as ep
from syncserver.sii.ws import soap
from tests.syncserver.dte.sii_kit import holder_signer, sii_client, standin_url

COMPANY = "76.235.291-5"


def _soap(url: str, path: str, operation: str, params: list[tuple[str, str]]) -> dict[str, str]:
    answer = httpx.post(url + path, content=soap.request(operation, params),
                        headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'})
    assert answer.status_code == 200
    respuesta = soap.read_response(answer.content, operation)
    return {**dict(soap.fields(respuesta, "RESP_BODY")), **dict(soap.fields(respuesta, "RESP_HDR"))}


def _seed(url: str) -> str:
    return _soap(url, ep.CR_SEED, "getSeed", [])["SEMILLA"]


def _get_token(url: str, signed: bytes) -> dict[str, str]:
    return _soap(url, ep.GET_TOKEN, "getToken", [("pszXml", signed.decode("iso-8859-1"))])


def test_handshake_gives_a_cached_token_and_the_stand_in_refuses_bad_seeds(serve_in_thread: object) -> None:
    standin = sii_standin.StandIn()
    signer = holder_signer()
    with standin_url(serve_in_thread, standin) as url:  # type: ignore[arg-type]
        async def handshake() -> tuple[str, str, str]:
            async with sii_client(url) as client:
                account = ws.Account.of(1, COMPANY, signer)
                first = await client.token(account)
                again = await client.token(account)
                age = client.token_age(1)
                assert age is not None and age < timedelta(minutes=1)
                return first, again, await client.token(account, "boleta")

        dte_token, cached, boleta_token = asyncio.run(handshake())
        assert dte_token == cached and dte_token.isalnum() and boleta_token != dte_token
        assert standin.requests == ["POST " + ep.CR_SEED, "POST " + ep.GET_TOKEN, "GET " + ep.BOLETA_SEED,
                                    "POST " + ep.BOLETA_TOKEN]  # the second DTE token came from the cache
        assert standin.tokens[dte_token].holder == "12345678-5"  # the certificate's RUT

        # unsigned: the seed is real but nobody signed the request
        unsigned = etree.Element("getToken")
        etree.SubElement(etree.SubElement(unsigned, "item"), "Semilla").text = _seed(url)
        answer = _get_token(url, xmlcore.to_bytes(unsigned))
        assert answer["ESTADO"] == "11" and "TOKEN" not in answer

        # forged: properly signed, but the stand-in never issued that seed
        answer = _get_token(url, ws.signed_seed("000000000001", signer))
        assert answer["ESTADO"] == "10" and "TOKEN" not in answer

        # tampered: signed for one seed, then the seed was changed
        signed = ws.signed_seed(_seed(url), signer)
        other = _seed(url)
        tampered = signed.replace(b"<Semilla>", b"<Semilla>" + other.encode() + b"</Semilla><X>", 1)
        tampered = tampered.replace(b"</Semilla></item>", b"</X></item>", 1)
        answer = _get_token(url, tampered)
        assert answer["ESTADO"] in ("08", "11") and "TOKEN" not in answer

        # a seed is good for one token only
        seed = _seed(url)
        assert _get_token(url, ws.signed_seed(seed, signer))["ESTADO"] == "00"
        assert _get_token(url, ws.signed_seed(seed, signer))["ESTADO"] == "10"

        # the boleta API checks the same
        seed_answer = httpx.get(url + ep.BOLETA_SEED)
        boleta_seed = dict(soap.fields(soap.parse_answer(seed_answer.content, "semilla"), "RESP_BODY"))["SEMILLA"]
        unsigned_boleta = etree.Element("getToken")
        etree.SubElement(etree.SubElement(unsigned_boleta, "item"), "Semilla").text = boleta_seed
        refused = httpx.post(url + ep.BOLETA_TOKEN, content=xmlcore.to_bytes(unsigned_boleta),
                             headers={"Content-Type": "application/xml"})
        assert dict(soap.fields(soap.parse_answer(refused.content, "token"), "RESP_HDR"))["ESTADO"] == "11"


def test_a_certificate_out_of_date_is_a_clear_auth_error(serve_in_thread: object) -> None:
    standin = sii_standin.StandIn()
    signer = holder_signer(days=30)
    standin.at(datetime.now(UTC) + timedelta(days=60))  # the certificate expired in the stand-in's eyes
    with standin_url(serve_in_thread, standin) as url:  # type: ignore[arg-type]
        async def attempt() -> None:
            async with sii_client(url) as client:
                await client.token(ws.Account.of(1, COMPANY, signer))

        with pytest.raises(ws.SiiAuthError) as caught:
            asyncio.run(attempt())
    assert caught.value.code == "12" and not caught.value.transient
    assert "no entregó el token" in str(caught.value) and "no está vigente" in str(caught.value)


def test_an_expired_token_is_renewed_once_and_the_query_repeated(serve_in_thread: object) -> None:
    standin = sii_standin.StandIn(token_ttl=timedelta(minutes=5))
    signer = holder_signer()
    start = datetime.now(UTC)
    standin.at(start)
    with standin_url(serve_in_thread, standin) as url:  # type: ignore[arg-type]
        async def scenario() -> None:
            async with sii_client(url) as client:
                account = ws.Account.of(1, COMPANY, signer)
                first = await client.token(account)
                standin.at(start + timedelta(minutes=6))  # the SII let it expire; the client still holds it
                with pytest.raises(ws.SiiUnavailable, match="ESTADO -11"):  # the unknown track id, asked anew
                    await client.dte_status(account, "4242")
                assert await client.token(account) != first  # the renewed token is the cached one now
                standin.at(start + timedelta(minutes=7))
                with pytest.raises(ws.SiiBadAnswer, match="HTTP 404"):
                    await client.boleta_status(account, "4242")  # a boleta token, then 404: no such track id

        asyncio.run(scenario())
    assert standin.requests.count("POST " + ep.GET_TOKEN) == 2  # the first token, then one renewal
    queries = [r for r in standin.requests if r.endswith("QueryEstUp.jws")]
    assert len(queries) == 2  # refused with ESTADO 002, then repeated with the new token


def test_the_signed_seed_verifies_with_xmlsec1(tmp_path: Path) -> None:
    """An independent verifier (Debian's xmlsec1, the holder's certificate only) accepts the token request the
    client signs, and refuses it once the seed is changed."""
    binary = shutil.which("xmlsec1")
    assert binary is not None, "xmlsec1 is not installed: run ./scripts/setup (apt package xmlsec1)"
    signer = holder_signer()
    cert = tmp_path / "cert.pem"
    cert.write_bytes(signer.certificate.public_bytes(serialization.Encoding.PEM))
    signed = ws.signed_seed("038476485018", signer)

    def verifies(data: bytes) -> bool:
        doc = tmp_path / "getToken.xml"
        doc.write_bytes(data)
        result = subprocess.run([binary, "--verify", "--pubkey-cert-pem", str(cert), str(doc)],
                                capture_output=True, text=True, timeout=30, check=False)
        return result.returncode == 0

    assert verifies(signed)
    assert not verifies(signed.replace(b"038476485018", b"038476485019"))


def test_the_environment_is_configuration_and_tls_is_verified() -> None:
    cert = ws.endpoints.endpoints("certificacion")
    prod = ws.endpoints.endpoints("produccion")
    assert (cert.dte, cert.boleta_api, cert.boleta_upload) == ("https://maullin.sii.cl", "https://apicert.sii.cl",
                                                               "https://pangal.sii.cl")
    assert (prod.dte, prod.boleta_api, prod.boleta_upload) == ("https://palena.sii.cl", "https://api.sii.cl",
                                                               "https://rahue.sii.cl")
    standin = ws.endpoints.endpoints("standin", "http://127.0.0.1:8790/")
    assert standin.dte == standin.boleta_api == standin.boleta_upload == "http://127.0.0.1:8790"
    with pytest.raises(ws.SiiConfigError, match="falta la URL"):
        ws.endpoints.endpoints("standin", "")
    with pytest.raises(ws.SiiConfigError, match="desconocido"):
        ws.endpoints.endpoints("palena")
    context = ws.endpoints.tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
