"""The sandbox firewall answers as the device does where field clients noticed a difference
(docs/sandbox-fidelity.md, "## PAN-OS"): wire-level checks with a plain HTTP client."""

from __future__ import annotations

import base64
import datetime as dt
import re
import time

import httpx
import pytest
from cryptography import x509
from defusedxml import ElementTree

from pancert.panos import PanosClient
from pancert.panos.models import Location
from pancert.sandbox.ca import SandboxCA
from pancert.sandbox.firewall import tree
from pancert.sandbox.firewall.wire import parse_multipart
from tests.panos.conftest import Sandbox
from tests.panos.helpers import csr_request


def _api(sandbox: Sandbox) -> str:
    return sandbox.url() + "/api/"


def _call(sandbox: Sandbox, **params: str) -> ElementTree.Element:
    params.setdefault("key", sandbox.firewall.api_key)
    reply = httpx.post(_api(sandbox), data=params, verify=sandbox.verify)
    return ElementTree.fromstring(reply.text)


def _op(sandbox: Sandbox, cmd: str) -> ElementTree.Element:
    return _call(sandbox, type="op", cmd=cmd)


def test_keygen_and_403_in_the_devices_own_shape(sandbox: Sandbox) -> None:
    ok = httpx.post(
        _api(sandbox),
        data={"type": "keygen", "user": "admin", "password": sandbox.firewall.password},
        verify=sandbox.verify,
    )
    assert ok.text == (
        f"<response status = 'success'><result><key>{sandbox.firewall.api_key}</key>"
        "</result></response>"
    )
    denied = httpx.post(
        _api(sandbox),
        data={"type": "keygen", "user": "admin", "password": "wrong"},
        verify=sandbox.verify,
    )
    assert denied.status_code == 403
    assert denied.text == (
        "<response status = 'error' code = '403'><result><msg>Invalid Credential</msg>"
        "</result></response>"
    )


def test_basic_auth_on_every_call_but_keygen(sandbox: Sandbox) -> None:
    good = httpx.BasicAuth("admin", sandbox.firewall.password)
    with httpx.Client(verify=sandbox.verify) as http:
        version = http.post(_api(sandbox), data={"type": "version"}, auth=good)
        assert ElementTree.fromstring(version.text).findtext("result/sw-version")
        bad = http.post(_api(sandbox), data={"type": "version"}, auth=httpx.BasicAuth("admin", "x"))
        assert bad.status_code == 403
        keygen = http.post(_api(sandbox), data={"type": "keygen"}, auth=good)
        assert keygen.status_code == 403


def test_show_system_info_carries_what_clients_read(sandbox: Sandbox) -> None:
    system = _op(sandbox, "<show><system><info/></system></show>").find("result/system")
    assert system is not None
    for field in (
        "sw-version",
        "model",
        "serial",
        "app-version",
        "threat-version",
        "wildfire-version",
        "av-version",
        "multi-vsys",
        "hostname",
        "family",
    ):
        assert system.findtext(field), field


@pytest.mark.parametrize("boundary", ["________________ab/cd+ef==", "x+y/z=0", "plain"])
def test_multipart_boundaries_as_sent_unquoted(boundary: str) -> None:
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="c.pem"\r\n'
        "Content-Type: application/octet-stream\r\n\r\nPEM-BYTES\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\ncertificate'
        f"\r\n--{boundary}--"
    ).encode()
    fields, upload, filename = parse_multipart(f"multipart/form-data; boundary={boundary}", body)
    assert (fields, upload, filename) == ({"category": "certificate"}, b"PEM-BYTES", "c.pem")
    quoted = f'multipart/form-data; boundary="{boundary}"'
    assert parse_multipart(quoted, body) == ({}, b"", None)
    assert parse_multipart(quoted, body, literal_quotes=False)[1] == b"PEM-BYTES"


def test_pan_python_style_boundaries_all_parse() -> None:
    for seed in range(200):
        boundary = "_" * 16 + base64.b64encode(seed.to_bytes(48, "big")).decode()
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="pan"'
            f"\r\n\r\nDATA{seed}\r\n--{boundary}--"
        ).encode()
        assert parse_multipart(f"multipart/form-data; boundary={boundary}", body)[1] == (
            f"DATA{seed}".encode()
        )


def _commit(sandbox: Sandbox) -> int:
    reply = _call(sandbox, type="commit", cmd="<commit></commit>")
    return int(reply.findtext("result/job") or 0)


def _touch(sandbox: Sandbox, value: str) -> None:
    xpath = "/config/shared/ssl-tls-service-profile/entry[@name='mgmt-tls']/protocol-settings"
    reply = _call(
        sandbox,
        type="config",
        action="set",
        xpath=xpath,
        element=f"<min-version>{value}</min-version>",
    )
    assert reply.get("status") == "success", ElementTree.tostring(reply)


def test_queued_commits_and_show_jobs_all(make_sandbox: object) -> None:
    box: Sandbox = make_sandbox(commit_duration_s=0.6)  # type: ignore[operator]
    _touch(box, "tls1-1")
    first = _commit(box)
    _touch(box, "tls1-2")
    second = _commit(box)
    assert second == first + 1
    queued = _op(box, f"<show><jobs><id>{second}</id></jobs></show>").find("result/job")
    assert queued is not None
    assert queued.findtext("status") == "PEND"
    assert queued.findtext("queued") == "YES"
    assert queued.findtext("positionInQ") == "1"
    deadline = time.monotonic() + 10
    while box.firewall.jobs[second].finished is False and time.monotonic() < deadline:
        time.sleep(0.1)
        box.firewall.settle()
    jobs = _op(box, "<show><jobs><all/></jobs></show>").findall("result/job")
    assert [j.findtext("id") for j in jobs] == [str(second), str(first)]
    for job in jobs:
        assert job.findtext("status") == "FIN"
        assert re.fullmatch(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d", job.findtext("tfin") or "")
    assert (
        box.firewall.running.findtext(".//entry[@name='mgmt-tls']/protocol-settings/min-version")
        == "tls1-2"
    )


def test_queueing_off_refuses_and_tfin_time_only(make_sandbox: object) -> None:
    box: Sandbox = make_sandbox(queue_commits=False, tfin_time_only=True)  # type: ignore[operator]
    box.firewall.settings.commit_duration_s = 0.5
    _touch(box, "tls1-1")
    job = _commit(box)
    _touch(box, "tls1-2")
    refused = _call(box, type="commit", cmd="<commit></commit>")
    assert "Another commit/validate is in progress" in (refused.findtext("msg/line") or "")
    time.sleep(0.6)
    done = _op(box, f"<show><jobs><id>{job}</id></jobs></show>")
    assert re.fullmatch(r"\d\d:\d\d:\d\d", done.findtext("result/job/tfin") or "")


def test_real_commands_answered(sandbox: Sandbox) -> None:
    sandbox.firewall.seed_certificate("web")
    assert _op(sandbox, "<show><commit-locks/></show>").find("result/commit-locks/entry") is None
    sandbox.firewall.commit_lock = "admin2"
    entry = _op(sandbox, "<show><commit-locks/></show>").find("result/commit-locks/entry")
    assert entry is not None
    assert entry.get("name") == "admin2"
    listed = _op(sandbox, "<request><certificate><show/></certificate></request>")
    web = listed.find("result/entry[@name='web']")
    assert web is not None
    assert web.findtext("subject") == "CN = web.example.test"
    assert (web.findtext("expiry") or "").isdigit()
    running = _op(sandbox, "<show><config><running/></config></show>")
    assert running.find("result/config/shared/certificate/entry[@name='web']") is not None


def test_rename_move_clone(sandbox: Sandbox) -> None:
    base = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']"
    profiles = f"{base}/ssl-tls-service-profile"
    ok = _call(
        sandbox,
        type="config",
        action="rename",
        xpath=f"{profiles}/entry[@name='web-tls']",
        newname="site-tls",
    )
    assert ok.get("code") == "20"
    names = [e.get("name") for e in tree.select(sandbox.firewall.candidate, f"{profiles}/entry")]
    assert names == ["site-tls", "gp-tls"]
    _call(
        sandbox,
        type="config",
        action="move",
        xpath=f"{profiles}/entry[@name='gp-tls']",
        where="top",
    )
    names = [e.get("name") for e in tree.select(sandbox.firewall.candidate, f"{profiles}/entry")]
    assert names == ["gp-tls", "site-tls"]
    _call(
        sandbox,
        type="config",
        action="clone",
        xpath=profiles,
        newname="copy-tls",
        **{"from": f"{profiles}/entry[@name='gp-tls']"},
    )
    assert sandbox.firewall.candidate.xpath(f"{profiles}/entry[@name='copy-tls']/protocol-settings")


def test_stricter_where_the_device_is(sandbox: Sandbox) -> None:
    profile = "/config/shared/ssl-tls-service-profile/entry[@name='mgmt-tls']"
    refused = _call(
        sandbox, type="config", action="set", xpath=profile, element="<certficate>x</certficate>"
    )
    assert refused.get("code") == "12"
    assert "mgmt-tls -> certficate unexpected here" in (refused.findtext("msg/line") or "")
    several = _call(sandbox, type="config", action="show", xpath="//ssl-tls-service-profile/entry")
    assert several.get("status") == "error"
    sandbox.firewall.seed_certificate("web")
    sandbox.firewall.set_reference("certificate_profile", "web", location="shared")
    gone = _call(
        sandbox,
        type="config",
        action="delete",
        xpath="/config/shared/certificate/entry[@name='web']",
    )
    assert gone.get("code") == "10"
    lines = [(line.text or "").strip() for line in gone.findall("msg/line")]
    assert lines == [
        "web cannot be deleted because of references from:",
        "certificate-profile -> client-ca -> CA -> web",
    ]


def _import(sandbox: Sandbox, data: bytes, **params: str) -> ElementTree.Element:
    reply = httpx.post(
        _api(sandbox),
        params={"type": "import", "key": sandbox.firewall.api_key, **params},
        files={"file": ("cert.pem", data, "application/octet-stream")},
        verify=sandbox.verify,
    )
    return ElementTree.fromstring(reply.text)


def test_import_refuses_expired_unknown_vsys_and_wrong_format(
    sandbox: Sandbox, sandbox_ca: SandboxCA
) -> None:
    now = dt.datetime.now(dt.UTC)
    _, key_pem = sandbox_ca.issue_tls_server()
    expired = sandbox.firewall.seed_certificate("old", not_after=now - dt.timedelta(days=1))
    chain = sandbox_ca.chain_pem(expired)
    reply = _import(
        sandbox, chain, category="certificate", **{"certificate-name": "old2", "format": "pem"}
    )
    assert "Certificate is expired" in (reply.findtext("msg/line") or "")
    fresh = sandbox.firewall.seed_certificate("fresh")
    good = sandbox_ca.chain_pem(fresh)
    reply = _import(
        sandbox,
        good,
        category="certificate",
        vsys="vsys7",
        **{"certificate-name": "x", "format": "pem"},
    )
    assert reply.get("status") == "error"
    assert not sandbox.firewall.candidate.xpath("//vsys/entry[@name='vsys7']")
    reply = _import(
        sandbox,
        good,
        category="certificate",
        **{"certificate-name": "x", "format": "pkcs12", "passphrase": "p"},
    )
    assert "Failed to extract certificate" in (reply.findtext("msg/line") or "")
    reply = _import(
        sandbox, key_pem, category="private-key", **{"certificate-name": "fresh", "format": "pem"}
    )
    assert "passphrase is required" in (reply.findtext("msg/line") or "")
    assert x509.load_pem_x509_certificates(good)


@pytest.mark.parametrize("ignores_vsys", [True, False])
def test_vsys_csr_export_falls_back_to_the_entry(make_sandbox: object, ignores_vsys: bool) -> None:
    box: Sandbox = make_sandbox(export_ignores_vsys=ignores_vsys)  # type: ignore[operator]
    vsys1 = Location("vsys1")

    async def scenario(client: PanosClient) -> None:
        for name in ("vsys-web", "vsys-mail"):
            await client.generate_csr(csr_request(name), vsys1)
            pem = await client.export_csr(name, vsys1)
            csr = x509.load_pem_x509_csr(pem.encode())
            assert csr.subject.rfc4514_string() == "CN=www.example.test"

    box.run(scenario)
    exports = [r for r in box.firewall.recorder.records() if r["kind"] == "export"]
    config_reads = [r for r in box.firewall.recorder.records() if r["kind"] == "config_get"]
    # a device that ignored vsys once is not asked again: the second CSR is read directly
    assert len(exports) == (1 if ignores_vsys else 2)
    assert len(config_reads) == (2 if ignores_vsys else 0)


@pytest.mark.parametrize(("connected", "managed"), [(True, True), (False, False)])
def test_panorama_status_connected_no_is_not_managed(
    make_sandbox: object, connected: bool, managed: bool
) -> None:
    box: Sandbox = make_sandbox(panorama_managed=True, panorama_connected=connected)  # type: ignore[operator]

    async def scenario(client: PanosClient) -> None:
        assert (await client.system_info()).panorama_managed is managed

    box.run(scenario)
