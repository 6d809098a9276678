"""Rotating the management interface's certificate end to end: the firewall's API changes
its TLS identity at the commit (the sandbox serves the new certificate from then on and
drops the connection the commit finished on); pancert adopts the chain it installed — it
verifies against paloalto_ca_bundle — and later runs trust it."""

from __future__ import annotations

import hashlib
import json
import socket
import ssl

from pancert.sandbox.world import ProfileSpec, SandboxWorld

from .conftest import certificate_names, configure, running_text

MGMT = ProfileSpec(
    "mgmt", "mgmt.example.com", location="shared", extra={"paloalto_allow_management": True}
)
MGMT_CERT = "/config/shared/ssl-tls-service-profile/entry[@name='mgmt-tls']/certificate"


def served_fingerprint(world: SandboxWorld) -> str:
    port = world.fleet.firewalls[0].port
    assert port is not None
    context = ssl.create_default_context(cafile=str(world.ca_bundle))
    context.check_hostname = False
    with context.wrap_socket(socket.create_connection(("localhost", port))) as tls:
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return hashlib.sha256(der).hexdigest()


def test_management_rotation_changes_the_api_identity_and_later_runs_trust_it(
    world: SandboxWorld,
) -> None:
    agent = configure(world, MGMT)
    assert agent("enroll", "-p", "mgmt").code == 0
    fw = world.fleet.firewalls[0]
    fw.set_reference("management", "mgmt", location="shared")
    before = served_fingerprint(world)

    rotated = agent("renew", "--force", "-p", "mgmt")

    assert rotated.code == 0, rotated.text
    new = next(n for n in certificate_names(fw, "/config/shared") if n != "mgmt")
    assert running_text(fw, MGMT_CERT) == [new]
    assert fw.management.served == new
    after = served_fingerprint(world)
    assert after != before
    assert after == fw.management.fingerprint
    pins = json.loads((agent.state / "tls-pins.json").read_text())
    assert pins == {"fw_sandbox1": [after]}
    assert "deleted mgmt" in rotated.out

    calm = agent("renew")
    assert calm.code == 0, calm.text
    assert "unchanged" in calm.out
    online = agent("validate", "--online")
    assert online.code == 0, online.text


def test_without_allow_management_the_identity_is_untouched(world: SandboxWorld) -> None:
    spec = ProfileSpec("mgmt", "mgmt.example.com", location="shared")
    agent = configure(world, spec)
    assert agent("enroll", "-p", "mgmt").code == 0
    world.fleet.firewalls[0].set_reference("management", "mgmt", location="shared")
    before = served_fingerprint(world)
    assert agent("renew", "--force", "-p", "mgmt").code == 0
    assert served_fingerprint(world) == before
    assert not (agent.state / "tls-pins.json").exists()
