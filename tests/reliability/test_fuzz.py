"""Fuzzing with hypothesis: configuration loading, the PAN-OS client's response handling and
the SCM clients' response handling raise nothing but pancert's own typed errors
(:class:`pancert.errors.PancertError` subclasses) on arbitrary input.

The clients are driven end to end through ``httpx.MockTransport``: every answer a server
could give (any status, any body, XML or JSON shaped like the real thing or not) reaches the
same parsing code a real run uses. The CI subset runs a few dozen examples per target; the
slow variants run a thousand.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from pancert.config import ScmCredential, load_config
from pancert.errors import PancertError
from pancert.panos.client import PanosClient
from pancert.panos.models import Location
from pancert.scm import EnrollRequest, RetryPolicy, open_ca

from .corpus import dump

SIZES = [pytest.param(40, id="ci"), pytest.param(1000, id="long", marks=pytest.mark.slow)]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.sampled_from(
        ["RSA", "EC", "2048", "256", "yes", "no", "vsys1", "shared", "DV", "~", "www.example.com"]
    ),
)
CONFIG_KEYS = [
    "sectigo_log_file", "sectigo_log_path", "cert_profile_path", "sectigo_scm_url",
    "sectigo_log_level", "sectigo_sleep_download", "sectigo_encrypt_credentials",
    "pancert_state_path", "pancert_max_parallel_firewalls", "sectigo_ca_bundle",
    "sectigo_collect_timeout", "paloalto_commit_timeout", "sectigo_gnu_key",
    "pancert_age_recipients", "sectigo_log_size_mb", "sectigo_logger_count",
]  # fmt: skip
PROFILE_KEYS = [
    "paloalto_fw_profile", "scm_credential_detail", "sectigo_ssl_cert_type",
    "sectigo_csr_domain", "sectigo_ssl_cert_subject_alt_names", "sectigo_csr_key_type",
    "sectigo_csr_key_size", "sectigo_expiry_window", "sectigo_force_renewal",
    "sectigo_auto_renew", "paloalto_location", "paloalto_bindings", "sectigo_csr_country",
    "sectigo_ssl_cert_custom_fields", "sectigo_cm_org_id", "sectigo_ssl_cert_validity",
]  # fmt: skip
FW_KEYS = [
    "paloalto_url", "paloalto_api_key", "paloalto_commit_user", "paloalto_ca_bundle",
    "paloalto_tls_fingerprint", "paloalto_tls_insecure", "paloalto_commit_description",
]  # fmt: skip
CRED_KEYS = [
    "sectigo_cm_user_id", "sectigo_cm_user_secret", "sectigo_cm_login", "sectigo_cm_password",
    "sectigo_cm_customer_uri", "sectigo_cm_org_id", "sectigo_cert_type_map",
]  # fmt: skip


def values(depth: int = 2) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=6 if depth else 1,
    )


def documents(keys: list[str]) -> st.SearchStrategy[Any]:
    mapping = st.dictionaries(st.sampled_from(keys) | st.text(max_size=12), values(), max_size=8)
    return st.one_of(mapping, mapping, values())


def _text(doc: Any) -> str:
    try:
        return dump(doc)
    except Exception:
        return json.dumps(doc, default=str)


def _write_world(folder: Path, config: Any, docs: tuple[Any, Any, Any], raw: str) -> Path:
    profile, fw, creds = docs
    profiles = folder / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    for stale in profiles.iterdir():
        # a fuzzed pancert_state_path may be the profile folder: the parse cache's folder too
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale)
        else:
            stale.unlink()
    base = {
        "cert_profile_path": "profiles",
        "sectigo_log_path": "logs",
        "pancert_state_path": "state",
        "sectigo_scm_url": "https://localhost:1",
    }
    if isinstance(config, dict):
        base.update({str(k): v for k, v in config.items()})
    (folder / "config.yaml").write_text(_text(base))
    (profiles / "web.yaml").write_text(_text(profile))
    (profiles / "raw.yaml").write_text(raw)
    (profiles / "fw_a.yaml").write_text(_text(fw))
    (profiles / "sectigo_credentials.yaml").write_text(_text({"LABEL": creds}))
    return folder / "config.yaml"


@pytest.mark.parametrize("examples", SIZES)
def test_config_loading_raises_only_pancert_errors(tmp_path: Path, examples: int) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        documents(CONFIG_KEYS),
        documents(PROFILE_KEYS),
        documents(FW_KEYS),
        documents(CRED_KEYS),
        st.text(max_size=200),
    )
    def check(config: Any, profile: Any, fw: Any, creds: Any, raw: str) -> None:
        path = _write_world(tmp_path, config, (profile, fw, creds), raw)
        try:
            loaded = load_config(str(path))
        except PancertError:
            return
        loaded.problems_for(None)
        loaded.select_profiles(None)

    check()


# -- PAN-OS ---------------------------------------------------------------------------------

TAGS = ["response", "result", "entry", "job", "status", "result", "details", "line", "msg",
        "certificate", "common-name", "not-valid-after", "expiry-epoch", "private-key",
        "public-key", "csr", "algorithm", "enabled", "local-info", "state", "system",
        "sw-version", "id", "progress", "member"]  # fmt: skip


def xml_elements() -> st.SearchStrategy[str]:
    leaf = st.builds(
        lambda tag, text: f"<{tag}>{text}</{tag}>",
        st.sampled_from(TAGS),
        st.sampled_from(["", "FIN", "OK", "FAIL", "ACT", "7", "-1", "yes", "abc", "Jan 1 2030"])
        | st.text(alphabet="abc019 :-", max_size=12),
    )
    return st.recursive(
        leaf,
        lambda inner: st.builds(
            lambda tag, name, kids: f"<{tag}{name}>{''.join(kids)}</{tag}>",
            st.sampled_from(TAGS),
            st.sampled_from(["", ' name="x"', ' name="web"', ' name=""']),
            st.lists(inner, max_size=4),
        ),
        max_leaves=12,
    )


panos_bodies = st.one_of(
    st.binary(max_size=200),
    st.builds(
        lambda status, code, inner: (
            f'<response status="{status}"{code}>{inner}</response>'.encode()
        ),
        st.sampled_from(["success", "error", "", "weird"]),
        st.sampled_from(["", ' code="19"', ' code="20"', ' code="7"', ' code="x"', ' code="13"']),
        xml_elements(),
    ),
)

PANOS_CALLS: dict[str, Callable[[PanosClient], Awaitable[Any]]] = {
    "ha_state": lambda c: c.ha_state(),
    "system_info": lambda c: c.system_info(),
    "certificates": lambda c: c.certificates(Location("vsys1")),
    "running certificates": lambda c: c.certificates(Location("shared"), running=True),
    "export_csr": lambda c: c.export_csr("web", Location("vsys1")),
    "commit": lambda c: c.commit("admin", "pancert"),
    "job": lambda c: c.job(7),
    "references_to": lambda c: c.references_to("web", Location("vsys1")),
    "delete": lambda c: c.delete_certificate("web", Location("vsys1")),
}


@pytest.mark.parametrize("examples", SIZES)
def test_panos_responses_raise_only_pancert_errors(examples: int) -> None:
    @settings(max_examples=examples, deadline=None)
    @given(
        st.sampled_from(sorted(PANOS_CALLS)),
        st.sampled_from([200, 200, 200, 400, 403, 500, 503]),
        panos_bodies,
    )
    def check(call: str, status: int, body: bytes) -> None:
        def answer(request: httpx.Request) -> httpx.Response:
            return httpx.Response(status, content=body)

        async def go() -> None:
            async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
                client = PanosClient("https://fw.example", "k" * 20, http)
                with contextlib.suppress(PancertError):
                    await PANOS_CALLS[call](client)

        asyncio.run(go())

    check()


# -- SCM ------------------------------------------------------------------------------------

json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(
        st.sampled_from(
            ["sslId", "certId", "renewId", "status", "code", "description", "id", "name",
             "terms", "keyTypes", "certificates", "commonName", "comments", "requested"]
        )
        | st.text(max_size=6),
        inner,
        max_size=5,
    ),
    max_leaves=10,
)  # fmt: skip
scm_bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v, default=str).encode()),
    st.just(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
)

_REQUEST = EnrollRequest(
    csr_pem="-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n",
    common_name="www.example.com",
    dns_names=("www.example.com",),
    request_id="a" * 32,
    cert_type="DV",
    org_id=4321,
)
SCM_CALLS: dict[str, Callable[[Any], Awaitable[Any]]] = {
    "enroll": lambda ca: ca.enroll(_REQUEST),
    "collect": lambda ca: ca.collect(100001),
    "details": lambda ca: ca.details(100001),
    "find_order": lambda ca: ca.find_order("a" * 32, "www.example.com", dt.datetime(2026, 1, 1)),
    "revoke": lambda ca: ca.revoke(100001, "superseded", reason_code=4),
    "check_access": lambda ca: ca.check_access(),
    "resolve_product": lambda ca: ca.resolve_product(_REQUEST),
}
_OAUTH = ScmCredential.model_validate(
    {"label": "X", "source": Path("c.yaml"), "sectigo_cm_user_id": "id",
     "sectigo_cm_user_secret": SecretStr("s" * 16), "sectigo_cm_org_id": 4321}
)  # fmt: skip
_LEGACY = ScmCredential.model_validate(
    {"label": "Y", "source": Path("c.yaml"), "sectigo_cm_login": "l",
     "sectigo_cm_password": SecretStr("p" * 16), "sectigo_cm_customer_uri": "c",
     "sectigo_cm_org_id": 4321}
)  # fmt: skip


async def _no_sleep(_: float) -> None:
    return None


@pytest.mark.parametrize("examples", SIZES)
def test_scm_responses_raise_only_pancert_errors(examples: int) -> None:
    @settings(max_examples=examples, deadline=None)
    @given(
        st.sampled_from(sorted(SCM_CALLS)),
        st.sampled_from(["enrollment", "admin", "legacy"]),
        st.sampled_from([200, 200, 200, 201, 400, 401, 404, 429, 500, 503]),
        scm_bodies,
        st.sampled_from([None, "1", "soon", "-5"]),
    )
    def check(call: str, api: str, status: int, body: bytes, retry_after: str | None) -> None:
        def answer(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/token"):
                return httpx.Response(200, json={"access_token": "t" * 20, "expires_in": 300})
            headers = {"Retry-After": retry_after} if retry_after else {}
            return httpx.Response(status, content=body, headers=headers)

        async def go() -> None:
            async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
                url = "https://scm.example" + ("/api/ssl/v1" if api == "admin" else "")
                if api == "legacy":
                    url = "https://cert-manager.com/api/ssl/v1"
                try:
                    ca = open_ca(
                        scm_url=url,
                        credential=_LEGACY if api == "legacy" else _OAUTH,
                        auth_url="https://scm.example/auth/token",
                        ca_bundle=None,
                        http=http,
                        retry=RetryPolicy(attempts=2, sleep=_no_sleep),
                    )
                    await SCM_CALLS[call](ca)
                except PancertError:
                    pass

        asyncio.run(go())

    check()
