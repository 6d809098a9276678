"""A third-party XML API client (plain requests, key in the query, GET and multipart with
parameters in the query string, as pan-python and curl scripts do) works unchanged."""

from __future__ import annotations

import datetime as dt
import re

import httpx
from cryptography import x509
from defusedxml import ElementTree

from pancert.sandbox.ca import SandboxCA
from tests.panos.conftest import Sandbox

GENERATE = (
    "<request><certificate><generate><certificate-name>tp-web</certificate-name>"
    "<name>tp.example.test</name><algorithm><RSA><rsa-nbits>2048</rsa-nbits></RSA></algorithm>"
    "<digest>sha256</digest><signed-by>external</signed-by><ca>no</ca>"
    "<hostname><member>tp.example.test</member></hostname></generate></certificate></request>"
)


def test_keygen_generate_export_sign_import_commit_show_jobs(
    sandbox: Sandbox, sandbox_ca: SandboxCA
) -> None:
    api = sandbox.url() + "/api/"
    with httpx.Client(verify=sandbox.verify) as http:
        reply = http.post(
            api, data={"type": "keygen", "user": "admin", "password": sandbox.firewall.password}
        )
        key = ElementTree.fromstring(reply.text).findtext("result/key")
        assert key
        reply = http.get(api, params={"type": "op", "cmd": GENERATE, "key": key})
        assert 'status="success"' in reply.text
        reply = http.get(
            api,
            params={
                "type": "export",
                "category": "certificate",
                "certificate-name": "tp-web",
                "format": "pkcs10",
                "include-key": "no",
                "key": key,
            },
        )
        assert reply.headers["content-type"] == "application/octet-stream"
        assert reply.headers["content-disposition"] == "attachment; filename=tp-web.csr"
        csr = x509.load_pem_x509_csr(reply.content)
        now = dt.datetime.now(dt.UTC)
        leaf = sandbox_ca.sign_csr(
            csr,
            common_name="tp.example.test",
            dns_names=["tp.example.test"],
            not_before=now,
            not_after=now + dt.timedelta(days=30),
        )
        reply = http.post(
            api,
            params={
                "type": "import",
                "category": "certificate",
                "certificate-name": "tp-web",
                "format": "pem",
                "key": key,
            },
            files={"file": ("cert.pem", sandbox_ca.chain_pem(leaf), "application/octet-stream")},
        )
        assert "Successfully imported tp-web into candidate configuration" in reply.text
        reply = http.get(api, params={"type": "commit", "cmd": "<commit></commit>", "key": key})
        match = re.search(r"<job>(\d+)</job>", reply.text)
        assert match, reply.text
        job = ElementTree.fromstring(
            http.get(
                api,
                params={
                    "type": "op",
                    "cmd": f"<show><jobs><id>{match[1]}</id></jobs></show>",
                    "key": key,
                },
            ).text
        )
        assert job.findtext("result/job/type") == "Commit"
        assert job.findtext("result/job/status") in ("ACT", "FIN")
        reply = http.get(
            api,
            params={
                "type": "config",
                "action": "show",
                "xpath": "/config/shared/nothing",
                "key": key,
            },
        )
        no_node = '<response status="error"><msg><line><![CDATA[No such node]]></line></msg>'
        assert reply.text == no_node + "</response>"
    assert sandbox.firewall.commits[0].partial is False


def test_key_exports_are_refused_and_counted(sandbox: Sandbox) -> None:
    sandbox.firewall.seed_certificate("web")
    api = sandbox.url() + "/api/"
    key = sandbox.firewall.api_key
    attempts = [
        {"format": "pem", "include-key": "yes", "passphrase": "123456"},
        {"format": "pkcs12", "passphrase": "123456"},
    ]
    with httpx.Client(verify=sandbox.verify) as http:
        for extra in attempts:
            reply = http.get(
                api,
                params={
                    "type": "export",
                    "category": "certificate",
                    "certificate-name": "web",
                    "key": key,
                    **extra,
                },
            )
            assert 'status="error"' in reply.text
            assert "PRIVATE KEY" not in reply.text
        reply = http.get(
            api,
            params={
                "type": "export",
                "category": "private-key",
                "certificate-name": "web",
                "key": key,
            },
        )
        assert 'status="error"' in reply.text
    assert sandbox.firewall.refused_key_exports == 3
    state = httpx.get(sandbox.url() + "/_sandbox/state", verify=sandbox.verify).json()
    assert state["refused_key_exports"] == 3
    assert state["calls"]["export"] == 3


def test_invalid_names_get_code_17(sandbox: Sandbox) -> None:
    api = sandbox.url() + "/api/"
    with httpx.Client(verify=sandbox.verify) as http:
        for name, text in [("*.example.com", "is invalid"), ("x" * 64, "can be at most 63")]:
            reply = http.post(
                api,
                params={
                    "type": "import",
                    "category": "certificate",
                    "certificate-name": name,
                    "format": "pem",
                },
                headers={"X-PAN-KEY": sandbox.firewall.api_key},
                files={
                    "file": (
                        "cert.pem",
                        b"-----BEGIN CERTIFICATE-----\n",
                        "application/octet-stream",
                    )
                },
            )
            assert 'code="17"' in reply.text
            assert text in reply.text
