"""Every reference kind is found, rebound and guards deletion (code 10), per PAN-OS version."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from pancert.panos import PanosClient, errors, xpaths
from pancert.panos.models import SHARED, Location, Reference, ReferenceForm, ReferenceKind
from tests.panos.conftest import Sandbox

KINDS = [
    ("ssl_tls_service_profile", "vsys1", ReferenceKind.SSL_TLS_SERVICE_PROFILE),
    ("decryption_rule", "vsys1", ReferenceKind.DECRYPTION_RULE),
    ("global_protect", "vsys1", ReferenceKind.GLOBAL_PROTECT_PORTAL),
    ("management", "shared", ReferenceKind.MANAGEMENT),
    ("ike_gateway", "shared", ReferenceKind.IKE_GATEWAY),
    ("certificate_profile", "shared", ReferenceKind.CERTIFICATE_PROFILE),
]


@pytest.mark.parametrize("version", ["10.1.14", "11.1.4"])
@pytest.mark.parametrize(("seed_kind", "where", "kind"), KINDS, ids=[k[0] for k in KINDS])
def test_each_reference_kind_is_found_and_rebound(
    make_sandbox: object, version: str, seed_kind: str, where: str, kind: ReferenceKind
) -> None:
    box: Sandbox = make_sandbox(sw_version=version)  # type: ignore[operator]
    firewall = box.firewall
    firewall.seed_certificate("old")
    firewall.seed_certificate("new")
    firewall.set_reference(seed_kind, "old", location=where)

    async def scenario(client: PanosClient) -> None:
        found = [r for r in await client.references_to("old", SHARED) if r.kind is kind]
        assert len(found) == 1
        reference = found[0]
        assert reference.certificate == "old"
        if kind is ReferenceKind.DECRYPTION_RULE:
            members = version >= "10.2"
            assert reference.form is (ReferenceForm.MEMBER if members else ReferenceForm.TEXT)
        if kind in (ReferenceKind.GLOBAL_PROTECT_PORTAL, ReferenceKind.MANAGEMENT):
            assert reference.via is not None
        with pytest.raises(errors.StillReferencedError) as caught:
            await client.delete_certificate("old", SHARED)
        assert caught.value.code == 10
        assert caught.value.paths
        await client.rebind(reference, "new")
        assert not [r for r in await client.references_to("old", SHARED) if r.kind is kind]
        assert [r for r in await client.references_to("new", SHARED) if r.kind is kind]
        await client.delete_certificate("old", SHARED)

    box.run(scenario)


def test_global_protect_gateway_and_portal_both_follow_their_profile(sandbox: Sandbox) -> None:
    sandbox.firewall.seed_certificate("gp", location="vsys1")
    sandbox.firewall.set_reference("global_protect", "gp")

    async def scenario(client: PanosClient) -> None:
        found = await client.references_to("gp", Location("vsys1"))
        kinds = sorted(r.kind for r in found)
        assert kinds == sorted(
            [
                ReferenceKind.SSL_TLS_SERVICE_PROFILE,
                ReferenceKind.GLOBAL_PROTECT_PORTAL,
                ReferenceKind.GLOBAL_PROTECT_GATEWAY,
            ]
        )
        assert len({r.xpath for r in found}) == 1  # one write moves all three

    sandbox.run(scenario)


def test_a_vsys_certificate_is_not_confused_with_shared(sandbox: Sandbox) -> None:
    sandbox.firewall.seed_certificate("web", location="vsys1")
    sandbox.firewall.set_reference("ssl_tls_service_profile", "web", location="vsys1")

    async def scenario(client: PanosClient) -> None:
        assert await client.references_to("web", Location("vsys1"))
        assert await client.references_to("web", Location("vsys2")) == []

    sandbox.run(scenario)


def test_sandbox_state_lists_references(sandbox: Sandbox) -> None:
    sandbox.firewall.seed_certificate("web")
    sandbox.firewall.set_reference("ike_gateway", "web", location="shared")
    state = httpx.get(sandbox.url() + "/_sandbox/state", verify=sandbox.verify).json()
    assert state["references"]["web"][0].endswith("local-certificate/name")
    assert state["running_certificates"] == ["web"]


@pytest.mark.parametrize(
    ("kind", "xpath_tail", "form"),
    [
        (
            ReferenceKind.DECRYPTION_RULE,
            "/rulebase/decryption/rules/entry[@name='inbound-web']/type/ssl-inbound-inspection/"
            "certificates",
            ReferenceForm.MEMBER,
        ),
        (
            ReferenceKind.CERTIFICATE_PROFILE,
            "/certificate-profile/entry[@name='gp-client-ca']/CA",
            ReferenceForm.ENTRY,
        ),
    ],
)
def test_a_new_binding_only_gains_the_certificate(
    sandbox: Sandbox, kind: ReferenceKind, xpath_tail: str, form: ReferenceForm
) -> None:

    vsys1 = Location("vsys1")
    sandbox.firewall.seed_certificate("fresh", location="vsys1")
    reference = Reference(kind, "x", xpaths.location_prefix(vsys1) + xpath_tail, vsys1, form=form)

    async def scenario(client: PanosClient) -> None:
        await client.rebind(reference, "fresh")
        found = await client.references_to("fresh", vsys1)
        assert [r.kind for r in found] == [kind]

    sandbox.run(scenario)


def test_certificate_profile_rebind_is_committed_by_an_admin_partial_commit(
    sandbox: Sandbox,
) -> None:
    """Since PAN-OS 11.0.3-h3 a ``set`` on a partial XPath (the CA list plus a wrapping
    ``<entry>``) belongs to the container: another admin's such change is left out of an
    admin's partial commit until that admin also writes the container that way, and then
    both travel together. pancert's full-XPath edit is attributed to pancert's admin."""
    firewall = sandbox.firewall
    firewall.seed_certificate("old")
    firewall.seed_certificate("new")
    firewall.set_reference("certificate_profile", "old", location="shared")
    ca_list = "/config/shared/certificate-profile/entry[@name='client-ca']/CA"

    async def scenario(client: PanosClient) -> None:
        found = await client.references_to("old", SHARED)
        reference = next(r for r in found if r.kind is ReferenceKind.CERTIFICATE_PROFILE)
        await client.rebind(reference, "new")
        result = await client.commit("admin", "rebind")
        assert result.job_id is not None
        await client.wait_for_job(result.job_id, 30, first_delay_s=0, sleep=_quick)
        running = await client.references_to("new", SHARED, running=True)
        assert [r.kind for r in running] == [ReferenceKind.CERTIFICATE_PROFILE]
        assert not await client.pending_changes()

    sandbox.run(scenario)
    admin2 = firewall.add_admin("admin2", "password-2")

    def partial_set(key: str, name: str) -> None:
        reply = httpx.post(
            sandbox.url() + "/api/",
            data={
                "type": "config",
                "action": "set",
                "xpath": ca_list,
                "element": f"<entry name='{name}'/>",
                "key": key,
            },
            verify=sandbox.verify,
        )
        assert 'code="20"' in reply.text

    partial_set(admin2, "old")

    async def nothing_of_admin2s(client: PanosClient) -> None:
        assert (await client.commit("admin")).job_id is None
        assert await client.pending_changes()

    sandbox.run(nothing_of_admin2s)
    partial_set(firewall.api_key, "extra")

    async def both_combined(client: PanosClient) -> None:
        result = await client.commit("admin")
        assert result.job_id is not None
        await client.wait_for_job(result.job_id, 30, first_delay_s=0, sleep=_quick)
        assert not await client.pending_changes()

    sandbox.run(both_combined)
    assert firewall.running.xpath(ca_list + "/entry/@name") == ["new", "old", "extra"]


async def _quick(_: float) -> None:
    await asyncio.sleep(0.05)
