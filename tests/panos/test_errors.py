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

# The PAN-OS XML API error codes, written out from the vendor's table ("PAN-OS XML API Error
# Codes", https://docs.paloaltonetworks.com/ngfw/api/getting-started/pan-os-xml-api-error-codes)
# with the class each meaning calls for. Kept apart from errors.CODE_CLASSES on purpose: a
# change to the table must also change this test.
VENDOR_CODES: dict[int, tuple[str, str]] = {
    400: ("Bad request: a required parameter is missing or illegal", "BadRequestError"),
    403: ("Forbidden: authentication or authorization errors", "AuthenticationError"),
    1: ("Unknown command", "UnknownCommandError"),
    2: ("Internal error", "InternalError"),
    3: ("Internal error", "InternalError"),
    4: ("Internal error", "InternalError"),
    5: ("Internal error", "InternalError"),
    6: ("Bad Xpath", "BadXpathError"),
    7: ("Object not present", "ObjectNotPresentError"),
    8: ("Object not unique", "NotUniqueError"),
    9: ("Internal error", "InternalError"),
    10: ("Reference count not zero", "StillReferencedError"),
    11: ("Internal error", "InternalError"),
    12: ("Invalid object", "InvalidObjectError"),
    13: ("Operation failed (the message says why)", "OperationFailedError"),
    14: ("Operation not possible", "NotPossibleError"),
    15: ("Operation denied (e.g. on a passive HA peer)", "PassiveHaPeerError"),
    16: ("Unauthorized: the role lacks the API right", "AuthenticationError"),
    17: ("Invalid command", "InvalidCommandError"),
    18: ("Malformed command", "MalformedXmlError"),
    21: ("Internal error", "InternalError"),
    22: ("Session timed out", "SessionTimedOutError"),
}
VENDOR_SUCCESS = {19, 20}  # "Success" in the same table


@pytest.mark.parametrize(
    ("code", "meaning", "expected"),
    [(code, meaning, cls) for code, (meaning, cls) in VENDOR_CODES.items()],
    ids=[str(c) for c in VENDOR_CODES],
)
def test_each_vendor_code_maps_to_the_class_its_meaning_calls_for(
    code: int, meaning: str, expected: str
) -> None:
    mapped = errors.error_for(code, ("x",), 200)
    assert type(mapped).__name__ == expected, f"code {code} means {meaning!r}"
    assert isinstance(mapped, PanosError)
    assert mapped.code == code


def test_the_table_has_no_code_the_vendor_does_not_document() -> None:
    assert set(errors.CODE_CLASSES) == set(VENDOR_CODES)
    assert errors.SUCCESS_CODES == VENDOR_SUCCESS


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
