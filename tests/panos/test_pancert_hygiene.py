"""Driven by pancert's client, the sandbox never sees a key export and the API key never
travels in a URL or a body — only in the X-PAN-KEY header."""

from __future__ import annotations

from pancert.panos import PanosClient
from pancert.panos.models import SHARED
from pancert.sandbox.ca import SandboxCA
from tests.panos.conftest import Sandbox
from tests.panos.helpers import csr_request, sign


def test_a_full_rotation_exports_no_key_and_keeps_the_key_out_of_urls(
    sandbox: Sandbox, sandbox_ca: SandboxCA
) -> None:
    firewall = sandbox.firewall
    firewall.seed_certificate("web")
    firewall.set_reference("ssl_tls_service_profile", "web", location="shared")

    async def scenario(client: PanosClient) -> None:
        await client.version()
        await client.system_info()
        await client.ha_state()
        await client.certificates(SHARED)
        await client.generate_csr(csr_request("web-2"), SHARED)
        csr = await client.export_csr("web-2", SHARED)
        await client.import_certificate("web-2", SHARED, sign(sandbox_ca, csr))
        await client.export_certificate("web-2", SHARED)
        for reference in await client.references_to("web", SHARED):
            await client.rebind(reference, "web-2")
        await client.delete_certificate("web", SHARED)
        result = await client.commit("admin", "rotation")
        assert result.job_id is not None
        await client.job(result.job_id)

    sandbox.run(scenario)
    assert firewall.refused_key_exports == 0
    records = firewall.recorder.records()
    assert len(records) >= 14
    for record in records:
        assert record["query"] == ""
        assert firewall.api_key not in record["path"]
        assert firewall.api_key not in record["body"]
        assert record["headers"]["x-pan-key"] == firewall.api_key
