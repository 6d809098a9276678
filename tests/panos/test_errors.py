"""The code table is total and every error reaches the caller typed: envelope codes, HTTP
statuses, HA passive, dropped connections and unparsable replies."""

from __future__ import annotations

import httpx
import pytest

from pancert.errors import PanosError
from pancert.panos import PanosClient, errors
from pancert.panos.models import SHARED
from pancert.sandbox.faults import FaultRule
from tests.panos.conftest import Sandbox
from tests.panos.helpers import csr_request

DOCUMENTED = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 21, 22, 400, 403]


def test_every_documented_failure_code_has_a_class() -> None:
    assert sorted(errors.CODE_CLASSES) == DOCUMENTED
    for code, cls in errors.CODE_CLASSES.items():
        mapped = errors.error_for(code, ("x",), 200)
        assert type(mapped) is cls
        assert isinstance(mapped, PanosError)
        assert mapped.code == code
    assert errors.SUCCESS_CODES.isdisjoint(errors.CODE_CLASSES)


@pytest.mark.parametrize(
    ("message", "cls"),
    [
        ("Configuration is locked by admin2", errors.ConfigLockedError),
        ("Commit lock is already held by admin2", errors.ConfigLockedError),
        ("Another commit/validate is in progress. Please try again later", errors.BusyError),
        ("something else", errors.OperationFailedError),
    ],
)
def test_code_13_messages_pick_a_subclass(message: str, cls: type[Exception]) -> None:
    assert type(errors.error_for(13, (message,), 200)) is cls


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (6, errors.BadXpathError),
        (7, errors.ObjectNotPresentError),
        (10, errors.StillReferencedError),
        (12, errors.InvalidObjectError),
        (13, errors.OperationFailedError),
        (15, errors.PassiveHaPeerError),
        (17, errors.InvalidCommandError),
        (18, errors.MalformedXmlError),
        (22, errors.SessionTimedOutError),
        (403, errors.AuthenticationError),
        (400, errors.BadRequestError),
    ],
)
def test_injected_error_envelopes_arrive_typed(
    sandbox: Sandbox, code: int, cls: type[errors.PanosApiError]
) -> None:
    sandbox.firewall.faults.add(FaultRule(kind="commit", fault="error", status=code, body="boom"))

    async def scenario(client: PanosClient) -> None:
        with pytest.raises(cls) as caught:
            await client.commit("admin")
        assert caught.value.code == code

    sandbox.run(scenario)


def test_a_wrong_key_is_an_authentication_error(sandbox: Sandbox) -> None:
    sandbox.firewall.api_key = "not-the-key-at-all"

    async def scenario(client: PanosClient) -> None:
        with pytest.raises(errors.AuthenticationError) as caught:
            await client.version()
        assert caught.value.http_status == 403

    sandbox.run(scenario)


def test_keygen_with_wrong_password(sandbox: Sandbox) -> None:
    async def scenario(_: PanosClient) -> None:
        async with httpx.AsyncClient(verify=sandbox.verify) as http:
            with pytest.raises(errors.AuthenticationError) as caught:
                await PanosClient.keygen(sandbox.url(), "admin", "wrong-password", http)
            assert "Invalid Credential" in caught.value.messages
            key = await PanosClient.keygen(sandbox.url(), "admin", sandbox.firewall.password, http)
            assert key.get_secret_value() == sandbox.firewall.api_key

    sandbox.run(scenario)


def test_ha_passive_refuses_writes_with_code_15(make_sandbox: object) -> None:
    box: Sandbox = make_sandbox(ha_passive=True)  # type: ignore[operator]

    async def scenario(client: PanosClient) -> None:
        state = await client.ha_state()
        assert state.passive
        assert await client.certificates(SHARED) == []
        with pytest.raises(errors.PassiveHaPeerError) as caught:
            await client.generate_csr(csr_request(), SHARED)
        assert caught.value.code == 15
        with pytest.raises(errors.PassiveHaPeerError):
            await client.commit("admin")

    box.run(scenario)


def test_ha_active_and_panorama_managed(make_sandbox: object) -> None:
    box: Sandbox = make_sandbox(ha_enabled=True, panorama_managed=True, sw_version="10.2.9")  # type: ignore[operator]

    async def scenario(client: PanosClient) -> None:
        state = await client.ha_state()
        assert (state.enabled, state.local_state, state.passive) == (True, "active", False)
        assert state.running_sync == "synchronized"
        info = await client.system_info()
        assert info.panorama_managed
        assert info.sw_version == "10.2.9"
        assert info.serial == box.firewall.serial
        assert await client.version() == "10.2.9"

    box.run(scenario)


def test_a_dropped_connection_is_a_transport_error(sandbox: Sandbox) -> None:
    sandbox.firewall.faults.add(FaultRule(kind="version", fault="reset"))

    async def scenario(client: PanosClient) -> None:
        with pytest.raises(errors.PanosTransportError):
            await client.version()
        assert await client.version()

    sandbox.run(scenario)


def test_malformed_and_5xx_replies(sandbox: Sandbox) -> None:
    sandbox.firewall.faults.add(FaultRule(kind="version", fault="malformed"))
    sandbox.firewall.faults.add(FaultRule(kind="version", fault="5xx", status=502))

    async def scenario(client: PanosClient) -> None:
        with pytest.raises(errors.PanosReplyError):
            await client.version()
        with pytest.raises(errors.PanosHttpError) as caught:
            await client.version()
        assert caught.value.status == 502

    sandbox.run(scenario)


def test_export_without_format_is_the_sample_400(sandbox: Sandbox) -> None:
    sandbox.firewall.seed_certificate("web")
    reply = httpx.post(
        sandbox.url() + "/api/",
        data={"type": "export", "category": "certificate", "certificate-name": "web"},
        headers={"X-PAN-KEY": sandbox.firewall.api_key},
        verify=sandbox.verify,
    )
    assert 'code="400"' in reply.text
    assert 'Parameter "format" is required while exporting certificate' in reply.text
