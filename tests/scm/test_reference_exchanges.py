"""The sample exchanges of both references (SCM ref §8, enrollment ref §9), replayed with a
plain HTTP client against the sandbox: same paths, bodies, status codes and error envelopes."""

from __future__ import annotations

import re

from cryptography import x509

from pancert.sandbox.scm import TOKEN_PATH
from tests.scm.conftest import Running, make_csr


def test_admin_api_samples(scm: Running) -> None:
    creds = scm.sandbox.credentials

    async def run() -> None:
        async with scm.raw() as raw:
            token = await raw.post(
                TOKEN_PATH,
                data={
                    "grant_type": "client_credentials",
                    "client_id": creds.client_id,
                    "client_secret": creds.client_secret,
                },
            )
            assert token.status_code == 200
            grant = token.json()
            assert grant["token_type"] == "Bearer"
            assert grant["expires_in"] == 300
            bearer = {"Authorization": f"Bearer {grant['access_token']}"}

            types = await raw.get("/api/ssl/v1/types?organizationId=4321", headers=bearer)
            assert types.status_code == 200
            first = types.json()[0]
            assert set(first) >= {"id", "name", "description", "terms", "keyTypes"}
            assert first["keyTypes"]["EC"] == ["P-256", "P-384"]

            header_auth = {
                "login": creds.login,
                "password": creds.password,
                "customerUri": creds.customer_uri,
            }
            pem, _ = make_csr("www.example.org")
            scm.sandbox.settings.dv_issue_delay_s = 3600.0
            enroll = await raw.post(
                "/api/ssl/v1/enroll",
                headers=header_auth,
                json={
                    "orgId": 4321,
                    "certType": 7011,
                    "term": 365,
                    "csr": pem,
                    "subjAltNames": "www.example.org,api.example.org",
                    "comments": "issued by automation",
                    "externalRequester": "ops@example.org",
                    "customFields": [{"name": "Cost Center", "value": "42"}],
                    "numberServers": 1,
                    "serverType": -1,
                },
            )
            assert enroll.status_code == 200
            assert set(enroll.json()) == {"sslId", "renewId"}
            ssl_id = enroll.json()["sslId"]

            pending = await raw.get(f"/api/ssl/v1/collect/{ssl_id}?format=x509CO", headers=bearer)
            assert pending.status_code == 400
            assert pending.json() == {"code": 0, "description": "Being processed by Sectigo"}
            approve = await raw.post(
                f"/api/ssl/v1/approve/{ssl_id}", headers=bearer, json={"message": "ok"}
            )
            assert approve.status_code == 204
            scm.sandbox.settings.dv_issue_delay_s = 0.0
            scm.sandbox.store.advance(scm.sandbox.now())
            order = scm.sandbox.store.get(ssl_id, scm.sandbox.now())
            order.issue_at = scm.sandbox.now()

            issued = await raw.get(f"/api/ssl/v1/collect/{ssl_id}?format=pem", headers=bearer)
            assert issued.status_code == 200
            assert issued.headers["content-type"] == "application/octet-stream"
            assert "attachment" in issued.headers["content-disposition"]
            chain = x509.load_pem_x509_certificates(issued.content)
            # `pem`: four certificates, the leaf the 4th (hm-edu/pki-portal-backend 2c76c2c)
            assert len(chain) == 4
            assert "CN=www.example.org" in chain[3].subject.rfc4514_string()

            details = await raw.get(f"/api/ssl/v1/{ssl_id}?dateFormat=ISO_HMS", headers=bearer)
            body = details.json()
            assert body["status"] == "Issued"
            assert body["validationType"] == "Organization Validation (OV)"
            assert body["subjectAlternativeNames"] == ["www.example.org", "api.example.org"]
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", body["expires"])
            assert body["comments"] == "issued by automation"
            assert re.fullmatch(r"([0-9A-F]{2}:)+[0-9A-F]{2}", body["serialNumber"])

            listing = await raw.get(
                "/api/ssl/v1", params={"commonName": "www.example.org"}, headers=bearer
            )
            assert listing.headers["x-total-count"] == "1"
            assert set(listing.json()[0]) == {
                "sslId",
                "commonName",
                "subjectAlternativeNames",
                "serialNumber",
            }
            count = await raw.head("/api/ssl/v1", headers=bearer)
            assert count.headers["x-total-count"] == "1"
            assert count.content == b""

            renew = await raw.post(f"/api/ssl/v1/renewById/{ssl_id}", headers=bearer, json={})
            assert renew.status_code == 200
            new_id = renew.json()["sslId"]
            assert new_id != ssl_id
            revoke = await raw.post(
                f"/api/ssl/v1/revoke/{ssl_id}",
                headers=bearer,
                json={"reasonCode": 4, "reason": "superseded by new key"},
            )
            assert revoke.status_code == 204

            bad_term = await raw.post(
                "/api/ssl/v1/enroll",
                headers=bearer,
                json={"orgId": 4321, "certType": 7011, "term": 30, "csr": pem},
            )
            assert bad_term.status_code == 400
            assert bad_term.json()["code"] == -36

            orgs = await raw.get("/api/organization/v1", headers=bearer)
            assert orgs.json()[0]["departments"][0]["id"] == 4322
            fields = await raw.get("/api/ssl/v1/customFields", headers=bearer)
            assert {"id", "name", "mandatory"} == set(fields.json()[0])

    scm.run(run)


def test_enrollment_api_samples(scm: Running) -> None:
    creds = scm.sandbox.credentials

    async def run() -> None:
        async with scm.raw() as raw:
            pem, _ = make_csr("www.example.org")
            single_line = "".join(pem.splitlines()[1:-1])
            anonymous = await raw.post("/api/v1/certificates", json={"csr": single_line})
            assert anonymous.status_code == 401
            challenge = anonymous.headers["www-authenticate"]
            uri = re.search(r'authorization_uri="([^"]+)"', challenge)
            assert uri is not None
            token_url = uri.group(1) + "/protocol/openid-connect/token"
            token = await raw.post(
                token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": creds.enroll_client_id,
                    "client_secret": creds.enroll_client_secret,
                },
            )
            bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}

            scm.sandbox.settings.dv_issue_delay_s = 3600.0
            enroll = await raw.post(
                "/api/v1/certificates", headers=bearer, json={"csr": single_line}
            )
            assert enroll.status_code == 200
            cert_id = enroll.json()["certId"]
            status = await raw.get(f"/api/v1/certificates/{cert_id}/status", headers=bearer)
            assert status.json()["status"] == "Applied"
            download = {**bearer, "Accept": "application/pem-certificate-chain"}
            pending = await raw.get(f"/api/v1/certificates/{cert_id}", headers=download)
            assert pending.status_code == 404
            assert pending.json()["code"] == -109
            scm.sandbox.store.get(cert_id, scm.sandbox.now()).issue_at = scm.sandbox.now()
            issued = await raw.get(f"/api/v1/certificates/{cert_id}", headers=download)
            assert issued.status_code == 200
            assert issued.text.startswith("-----BEGIN CERTIFICATE-----")

            scm.sandbox.settings.dv_issue_delay_s = 0.0
            renew = await raw.post(
                f"/api/v1/certificates/{cert_id}/renew", headers=bearer, json={"csr": single_line}
            )
            assert renew.status_code == 200
            assert renew.json()["certId"] != cert_id
            revoke = await raw.request(
                "DELETE",
                f"/api/v1/certificates/{cert_id}",
                headers=bearer,
                json={"message": "superseded", "reasonCode": 4},
            )
            assert revoke.status_code == 200

    scm.run(run)
