"""Commits and jobs: success, failure with details, no changes, locks, partial scope, other
admins, the commit-user check, and the polling cadence."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from pancert.panos import PanosClient, errors
from pancert.panos.models import SHARED, Location
from tests.panos.conftest import Sandbox
from tests.panos.helpers import csr_request


class Naps:
    """A sleep that records what was asked and yields briefly (the sandbox job is short)."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        await asyncio.sleep(0.02)


def test_commit_success_publishes_the_candidate(sandbox: Sandbox) -> None:
    naps = Naps()

    async def scenario(client: PanosClient) -> None:
        await client.generate_csr(csr_request(), SHARED)
        assert await client.pending_changes()
        result = await client.commit("admin", "pancert: web-1")
        assert result.job_id is not None
        job = await client.wait_for_job(result.job_id, 1800, sleep=naps)
        assert job.ok
        assert not await client.pending_changes()
        again = await client.commit("admin", "pancert: nothing")
        assert again.job_id is None
        assert again.message == "There are no changes to commit."

    sandbox.run(scenario)
    record = sandbox.firewall.commits[0]
    assert (record.user, record.description, record.partial, record.result) == (
        "admin",
        "pancert: web-1",
        True,
        "OK",
    )


def test_polling_backs_off_and_times_out(make_sandbox: object) -> None:
    box: Sandbox = make_sandbox(commit_duration_s=60.0)  # type: ignore[operator]
    naps = Naps()

    async def scenario(client: PanosClient) -> None:
        await client.generate_csr(csr_request(), SHARED)
        result = await client.commit("admin")
        assert result.job_id is not None
        with pytest.raises(errors.JobTimeoutError):
            await client.wait_for_job(result.job_id, 100, sleep=naps)

    box.run(scenario)
    assert naps.asked[:7] == [0.5, 0.5, 1.0, 2.0, 3.0, 4.5, 6.75]
    assert all(b >= a for a, b in zip(naps.asked, naps.asked[1:], strict=False))
    assert max(naps.asked) <= 30.0
    assert sum(naps.asked) <= 100


def test_a_failed_commit_carries_its_details_and_keeps_running_config(sandbox: Sandbox) -> None:
    sandbox.firewall.fail_commits = 1

    async def scenario(client: PanosClient) -> None:
        await client.generate_csr(csr_request(), SHARED)
        result = await client.commit("admin")
        assert result.job_id is not None
        with pytest.raises(errors.CommitFailedError) as caught:
            await client.wait_for_job(result.job_id, 60, sleep=Naps())
        assert caught.value.details[0] == "Validation Error:"
        assert await client.pending_changes()

    sandbox.run(scenario)
    assert sandbox.firewall.commits[0].result == "FAIL"


def test_a_profile_without_protocol_settings_fails_validation(sandbox: Sandbox) -> None:
    async def scenario(client: PanosClient) -> None:
        # the reference's pitfall: `set` on a missing profile makes an incomplete one
        await client._config(
            "set",
            "/config/shared/ssl-tls-service-profile/entry[@name='Test_profile']",
            __import__("pancert.panos.xml", fromlist=["E"]).E("certificate", "x"),
        )
        result = await client.commit("admin")
        assert result.job_id is not None
        with pytest.raises(errors.CommitFailedError) as caught:
            await client.wait_for_job(result.job_id, 60, sleep=Naps())
        assert any("is missing 'protocol-settings'" in d for d in caught.value.details)

    sandbox.run(scenario)


def test_locks_held_by_another_admin(sandbox: Sandbox) -> None:
    async def scenario(client: PanosClient) -> None:
        sandbox.firewall.config_lock = "admin2"
        with pytest.raises(errors.ConfigLockedError) as caught:
            await client.generate_csr(csr_request(), SHARED)
        assert "admin2" in str(caught.value)
        sandbox.firewall.config_lock = None
        await client.generate_csr(csr_request(), SHARED)
        sandbox.firewall.commit_lock = "admin2"
        with pytest.raises(errors.ConfigLockedError):
            await client.commit("admin")

    sandbox.run(scenario)


def test_partial_commit_leaves_another_admins_changes_pending(sandbox: Sandbox) -> None:
    firewall = sandbox.firewall
    other_key = firewall.add_admin("admin2", "secret-two")

    async def other(client: PanosClient) -> None:
        await client.generate_csr(csr_request("theirs"), SHARED)

    async def ours(client: PanosClient) -> None:
        await client.generate_csr(csr_request("ours"), SHARED)
        result = await client.commit("admin")
        assert result.job_id is not None
        await client.wait_for_job(result.job_id, 60, sleep=Naps())

    firewall.settings.csr_candidate_only = True
    firewall.api_key, saved = other_key, firewall.api_key
    sandbox.run(other)
    firewall.api_key = saved
    sandbox.run(ours)
    running = {e.get("name") for e in firewall.running.iterfind(".//certificate/entry")}
    assert running == {"ours"}
    assert [c.admin for c in firewall.changes] == ["admin2"]
    theirs = firewall.candidate.find(".//certificate/entry[@name='theirs']")
    assert theirs is not None
    assert theirs.get("admin") == "admin2"


def test_commit_user_must_own_the_change(sandbox: Sandbox) -> None:
    xpath = "/config/shared/certificate/entry[@name='web-1']"

    async def scenario(client: PanosClient) -> None:
        await client.generate_csr(csr_request(), SHARED)
        await client.check_owner(xpath, "admin")
        with pytest.raises(errors.ForeignChangesError) as caught:
            await client.check_owner(xpath, "pancert-api")
        assert caught.value.owner == "admin"
        assert caught.value.commit_user == "pancert-api"
        assert "'admin'" in str(caught.value)
        assert "'pancert-api'" in str(caught.value)

    sandbox.run(scenario)


def test_another_admin_reverts_or_commits_the_candidate(sandbox: Sandbox) -> None:
    control = sandbox.url() + "/_sandbox/"

    async def generate(client: PanosClient) -> None:
        await client.generate_csr(csr_request(), SHARED)

    async def names(client: PanosClient) -> set[str]:
        return {e.name for e in await client.certificates(SHARED)}

    sandbox.firewall.settings.csr_candidate_only = True
    sandbox.run(generate)
    httpx.post(control + "revert", verify=sandbox.verify).raise_for_status()
    assert sandbox.run(names) == set()
    sandbox.run(generate)
    state = httpx.post(control + "commit-by-other", verify=sandbox.verify).json()
    assert state["running_certificates"] == ["web-1"]
    assert state["pending_changes"] == []


def test_running_reads_show_only_what_a_commit_published(sandbox: Sandbox) -> None:
    sandbox.firewall.settings.csr_candidate_only = True
    sandbox.firewall.seed_certificate("old")
    sandbox.firewall.seed_certificate("new")
    sandbox.firewall.set_reference("ssl_tls_service_profile", "old", location="shared")

    async def scenario(client: PanosClient) -> None:
        await client.generate_csr(csr_request(), SHARED)
        for reference in await client.references_to("old", SHARED):
            await client.rebind(reference, "new")
        assert {e.name for e in await client.certificates(SHARED, running=True)} == {"old", "new"}
        assert await client.references_to("new", SHARED, running=True) == []
        assert await client.references_to("old", SHARED, running=True)
        assert await client.certificates(Location("vsys3"), running=True) == []
        result = await client.commit("admin")
        assert result.job_id is not None
        await client.wait_for_job(result.job_id, 60, sleep=Naps())
        running = {e.name for e in await client.certificates(SHARED, running=True)}
        assert running == {"old", "new", "web-1"}
        assert await client.references_to("new", SHARED, running=True)

    sandbox.run(scenario)
