"""Certificate operations driven by the client against a sandbox firewall over HTTPS."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from pancert.panos import PanosClient, errors
from pancert.panos.models import SHARED, KeyAlgorithm, Location
from pancert.sandbox.ca import SandboxCA
from tests.panos.conftest import Sandbox
from tests.panos.helpers import csr_request, sign

VSYS1 = Location("vsys1")


def test_generate_export_import_roundtrip(sandbox: Sandbox, sandbox_ca: SandboxCA) -> None:
    async def scenario(client: PanosClient) -> None:
        message = await client.generate_csr(csr_request(), SHARED)
        assert message == "Successfully generated certificate and key pair"
        pending = {e.name: e for e in await client.certificates(SHARED)}["web-1"]
        assert pending.pending
        assert pending.has_private_key
        assert (pending.algorithm, pending.key_size) == (KeyAlgorithm.EC, 256)
        assert pending.dns_names == ("www.example.test", "example.test")
        assert pending.admin == "admin"
        csr = await client.export_csr("web-1", SHARED)
        imported = await client.import_certificate("web-1", SHARED, sign(sandbox_ca, csr))
        assert imported == "Successfully imported web-1 into candidate configuration"
        signed = {e.name: e for e in await client.certificates(SHARED)}["web-1"]
        assert not signed.pending
        assert signed.csr_pem is None
        assert signed.has_private_key
        assert signed.common_name == "www.example.test"
        assert signed.not_after is not None
        assert signed.issuer is not None
        assert "Issuing CA" in signed.issuer
        pem = await client.export_certificate("web-1", SHARED)
        assert pem.count("BEGIN CERTIFICATE") == 2  # leaf + intermediate, no root

    sandbox.run(scenario)
    entry = sandbox.firewall.candidate.find(".//certificate/entry[@name='web-1']")
    assert entry is not None
    assert entry.find("csr") is None
    for field in (
        "common-name",
        "subject",
        "issuer",
        "not-valid-before",
        "not-valid-after",
        "expiry-epoch",
        "algorithm",
        "public-key",
    ):
        assert entry.findtext(field), field


def test_organization_with_xml_specials_reaches_the_csr_intact(sandbox: Sandbox) -> None:
    organization = 'AT&T <Labs> "x"'

    async def scenario(client: PanosClient) -> str:
        await client.generate_csr(csr_request(organization=organization), SHARED)
        return await client.export_csr("web-1", SHARED)

    csr = x509.load_pem_x509_csr(sandbox.run(scenario).encode())
    values = csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    assert [v.value for v in values] == [organization]


@pytest.mark.parametrize(
    ("algorithm", "bits"),
    [
        (KeyAlgorithm.RSA, 2048),
        (KeyAlgorithm.RSA, 3072),
        (KeyAlgorithm.EC, 256),
        (KeyAlgorithm.EC, 384),
    ],
    ids=["rsa2048", "rsa3072", "ec256", "ec384"],
)
def test_key_types_are_generated_for_real(
    sandbox: Sandbox, algorithm: KeyAlgorithm, bits: int
) -> None:
    async def scenario(client: PanosClient) -> str:
        await client.generate_csr(csr_request(algorithm=algorithm, key_size=bits), VSYS1)
        return await client.export_csr("web-1", VSYS1)

    key = x509.load_pem_x509_csr(sandbox.run(scenario).encode()).public_key()
    assert key.key_size == bits  # type: ignore[union-attr]
    assert sandbox.firewall.key_store.get("vsys1", "web-1") is not None


@pytest.mark.slow
def test_rsa_4096(sandbox: Sandbox) -> None:
    async def scenario(client: PanosClient) -> str:
        await client.generate_csr(csr_request(algorithm=KeyAlgorithm.RSA, key_size=4096), SHARED)
        return await client.export_csr("web-1", SHARED)

    key = x509.load_pem_x509_csr(sandbox.run(scenario).encode()).public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    assert key.key_size == 4096


def test_ecdsa_521_is_refused_unless_switched_on(make_sandbox: object) -> None:
    refusing = make_sandbox()  # type: ignore[operator]
    allowing = make_sandbox(refuse_ecdsa_521=False)  # type: ignore[operator]

    async def scenario(client: PanosClient) -> str:
        await client.generate_csr(csr_request(algorithm=KeyAlgorithm.EC, key_size=521), SHARED)
        return await client.export_csr("web-1", SHARED)

    with pytest.raises(errors.InvalidCommandError):
        refusing.run(scenario)
    key = x509.load_pem_x509_csr(allowing.run(scenario).encode()).public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    assert key.curve.name == "secp521r1"


def test_generate_refuses_an_existing_name(sandbox: Sandbox) -> None:
    async def scenario(client: PanosClient) -> None:
        await client.generate_csr(csr_request(), SHARED)
        with pytest.raises(errors.OperationFailedError) as caught:
            await client.generate_csr(csr_request(), SHARED)
        assert "already exists" in str(caught.value)
        # the same name in another location is another object
        await client.generate_csr(csr_request(), VSYS1)

    sandbox.run(scenario)


def test_import_with_the_wrong_key_is_refused(sandbox: Sandbox, sandbox_ca: SandboxCA) -> None:
    async def scenario(client: PanosClient) -> None:
        await client.generate_csr(csr_request("a"), SHARED)
        await client.generate_csr(csr_request("b"), SHARED)
        other = sign(sandbox_ca, await client.export_csr("b", SHARED))
        with pytest.raises(errors.PanosApiError) as caught:
            await client.import_certificate("a", SHARED, other)
        assert "private key mismatch" in str(caught.value)
        entry = {e.name: e for e in await client.certificates(SHARED)}["a"]
        assert entry.pending

    sandbox.run(scenario)


def test_a_ca_certificate_under_its_own_name_becomes_a_ca_entry(
    sandbox: Sandbox, sandbox_ca: SandboxCA
) -> None:
    async def scenario(client: PanosClient) -> None:
        await client.import_certificate(
            "issuing-ca", SHARED, sandbox_ca.intermediate.public_bytes(Encoding.PEM)
        )
        entry = {e.name: e for e in await client.certificates(SHARED)}["issuing-ca"]
        assert entry.is_ca
        assert not entry.has_private_key

    sandbox.run(scenario)


def test_chain_imported_as_leaf_only_switch(make_sandbox: object, sandbox_ca: SandboxCA) -> None:
    box: Sandbox = make_sandbox(chain_as_leaf_only=True)  # type: ignore[operator]

    async def scenario(client: PanosClient) -> str:
        await client.generate_csr(csr_request(), SHARED)
        chain = sign(sandbox_ca, await client.export_csr("web-1", SHARED))
        await client.import_certificate("web-1", SHARED, chain)
        return await client.export_certificate("web-1", SHARED)

    assert box.run(scenario).count("BEGIN CERTIFICATE") == 1


def test_csr_candidate_only_until_commit_switch(make_sandbox: object) -> None:
    default: Sandbox = make_sandbox()  # type: ignore[operator]
    candidate_only: Sandbox = make_sandbox(csr_candidate_only=True)  # type: ignore[operator]

    async def scenario(client: PanosClient) -> None:
        await client.generate_csr(csr_request(), SHARED)

    default.run(scenario)
    candidate_only.run(scenario)
    running = "/config/shared/certificate/entry[@name='web-1']"
    assert default.firewall.running.xpath(running)
    assert not candidate_only.firewall.running.xpath(running)
    assert candidate_only.firewall.candidate.xpath(running)


def test_template_pushed_entries_are_reported_and_protected(sandbox: Sandbox) -> None:
    sandbox.firewall.seed_certificate("pushed", template="branch-template")

    async def scenario(client: PanosClient) -> None:
        entry = {e.name: e for e in await client.certificates(SHARED)}["pushed"]
        assert entry.template == "branch-template"
        with pytest.raises(errors.OperationFailedError) as caught:
            await client.delete_certificate("pushed", SHARED)
        assert "template" in str(caught.value)

    sandbox.run(scenario)


def test_delete_unreferenced_then_gone(sandbox: Sandbox) -> None:
    sandbox.firewall.seed_certificate("old")

    async def scenario(client: PanosClient) -> None:
        await client.delete_certificate("old", SHARED)
        assert "old" not in {e.name for e in await client.certificates(SHARED)}

    sandbox.run(scenario)


def test_certificates_of_an_empty_location(sandbox: Sandbox) -> None:
    async def scenario(client: PanosClient) -> None:
        assert await client.certificates(Location("vsys2")) == []

    sandbox.run(scenario)


def test_seeded_expiry_and_key_are_read_back(sandbox: Sandbox) -> None:
    when = dt.datetime(2031, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    sandbox.firewall.seed_certificate("rsa", key="RSA-2048", not_after=when, location="vsys1")

    async def scenario(client: PanosClient) -> None:
        entry = (await client.certificates(VSYS1))[0]
        assert (entry.name, entry.algorithm, entry.key_size) == ("rsa", KeyAlgorithm.RSA, 2048)
        assert entry.not_after == when
        assert entry.admin is None

    sandbox.run(scenario)
