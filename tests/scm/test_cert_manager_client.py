"""The field's own Admin API client, python-cert_manager (PyPI ``cert-manager``), drives the
sandbox SCM unchanged: types, enroll, collect (pending first, as on the real service), list,
revoke, over real HTTPS with both of its login styles."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from cert_manager import SSL, Client
from cert_manager._helpers import PendingError
from cryptography import x509

from tests.scm.conftest import Running, make_csr


@pytest.fixture
def trusted(monkeypatch: pytest.MonkeyPatch, ca_bundle: Path) -> Path:
    # the library opens its own requests sessions for OAuth: they read the bundle from here
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_bundle))
    return ca_bundle


def _oauth(scm: Running) -> Client:
    c = scm.sandbox.credentials
    return Client(
        base_url=scm.url + "/api",
        auth_url=scm.auth_url,
        client_id=c.client_id,
        client_secret=c.client_secret,
    )


def _legacy(scm: Running, bundle: Path) -> Client:
    c = scm.sandbox.credentials
    session = requests.Session()
    session.verify = str(bundle)
    return Client(
        base_url=scm.url + "/api",
        login_uri=c.customer_uri,
        username=c.login,
        password=c.password,
        session=session,
    )


@pytest.mark.parametrize("login", ["oauth", "legacy"])
def test_enroll_collect_list_revoke(scm: Running, trusted: Path, login: str) -> None:
    client = _oauth(scm) if login == "oauth" else _legacy(scm, trusted)
    ssl = SSL(client=client)
    assert "Sandbox SSL (DV)" in ssl.types
    pem, csr = make_csr("www.example.org", ("api.example.org",))
    result = ssl.enroll(
        cert_type_name="Sandbox SSL (DV)",
        csr=pem,
        term=90,
        org_id=scm.sandbox.credentials.org_id,
        subject_alt_names=["api.example.org"],
        external_requester="ops@example.org",
    )
    cert_id = result["sslId"]
    with pytest.raises(PendingError):  # SCM's "being processed" first
        ssl.collect(cert_id, "x509CO")
    leaf = x509.load_pem_x509_certificate(ssl.collect(cert_id, "x509CO").encode())
    assert leaf.public_key() == csr.public_key()
    chain = x509.load_pem_x509_certificates(ssl.collect(cert_id, "x509").encode())
    assert chain[-1] == leaf  # root first, leaf last
    found = list(ssl.list(commonName="www.example.org"))
    assert [row["sslId"] for row in found] == [cert_id]
    assert ssl.get(cert_id)["status"] == "Issued"
    assert ssl.count() == 1
    assert ssl.revoke(cert_id, reason="key retired") == {}
    order = scm.sandbox.store.get(cert_id, scm.sandbox.now())
    assert order.status == "Revoked"
    assert order.external_requester == "ops@example.org"
    assert set(order.sans) == {"www.example.org", "api.example.org"}


def test_a_name_outside_the_validated_domains_is_refused(scm: Running, trusted: Path) -> None:
    ssl = SSL(client=_oauth(scm))
    pem, _ = make_csr("fw.elsewhere.net")
    with pytest.raises(requests.HTTPError) as info:
        ssl.enroll(
            cert_type_name="Sandbox SSL (DV)",
            csr=pem,
            term=90,
            org_id=scm.sandbox.credentials.org_id,
        )
    assert info.value.response is not None
    assert info.value.response.json()["code"] == -1137
    assert scm.sandbox.orders() == []
