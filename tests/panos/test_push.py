"""Reading Panorama push jobs: per-device results from a real reply, devices the stack names
but the job does not list, and when a push counts as a success (table tests, no network)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from pancert.panos import push
from pancert.panos.xml import parse

SAMPLE = (
    Path(__file__).parent.parent
    / "data"
    / "panos-samples"
    / "show-jobs-commitall-fin-with-devices.xml"
)
FIRST, SECOND = "007051000050926", "007051000086000"


def test_the_real_commit_all_reply_gives_one_result_per_device() -> None:
    job = push.parse_job(parse(SAMPLE.read_bytes()))
    assert job.job_id == 123
    assert job.settled
    assert [(d.serial, d.name, d.result) for d in job.devices] == [
        (FIRST, "PA-VM", "OK"),
        (SECOND, "PA-VM_FW-02_8.1.0", "OK"),
    ]
    assert job.devices[0].message == "Configuration committed successfully"
    results = push.outcomes(job, [FIRST, SECOND])
    assert push.failure("S", job, results) is None


def _job(result: str, *devices: tuple[str, str, str]) -> etree._Element:
    entries = "".join(
        f"<entry><serial-no>{s}</serial-no><devicename>{n}</devicename><result>{r}</result>"
        f"<details><msg><errors><line>why {s}</line></errors></msg></details></entry>"
        for s, n, r in devices
    )
    status = "FIN" if result != "ACT" else "ACT"
    xml = (
        f"<response status='success'><result><job><id>7</id><type>CommitAll</type>"
        f"<status>{status}</status><result>{result}</result><devices>{entries}</devices>"
        "</job></result></response>"
    )
    return parse(xml.encode())


@pytest.mark.parametrize(
    ("reply", "expected", "settled", "verdict"),
    [
        pytest.param(
            _job("OK", ("A", "a", "OK"), ("B", "b", "OK")), ["A", "B"], True, None, id="all-ok"
        ),
        pytest.param(
            _job("PEND", ("A", "a", "OK"), ("B", "b", "PEND")),
            ["A", "B"],
            False,
            "B (b) PEND",
            id="a-device-pending",
        ),
        pytest.param(
            _job("ACT"),
            ["A"],
            False,
            "A (?) missing",
            id="job-running",
        ),
        pytest.param(
            _job("FAIL", ("A", "a", "OK"), ("B", "b", "FAIL")),
            ["A", "B"],
            True,
            "B (b) FAIL: why B",
            id="one-fails",
        ),
        pytest.param(
            _job("OK", ("A", "a", "OK")),
            ["A", "B"],
            True,
            "B (?) missing",
            id="one-missing",
        ),
        pytest.param(_job("OK"), [], True, "result OK): ", id="nobody-pushed"),
    ],
)
def test_success_is_job_ok_and_every_expected_device_ok(
    reply: etree._Element, expected: list[str], settled: bool, verdict: str | None
) -> None:
    job = push.parse_job(reply)
    assert job.settled is settled
    failure = push.failure("S", job, push.outcomes(job, expected))
    if verdict is None:
        assert failure is None
    else:
        assert failure is not None
        assert verdict in failure


def test_plain_text_details_are_read_too() -> None:
    xml = (
        "<response status='success'><result><job><id>8</id><status>FIN</status>"
        "<result>FAIL</result><devices><entry><serial-no>A</serial-no><devicename>a"
        "</devicename><result>FAIL</result><details>commit failed: no space</details>"
        "</entry></devices></job></result></response>"
    )
    (device,) = push.parse_job(parse(xml.encode())).devices
    assert device.message == "commit failed: no space"


def test_stacks_holding_the_template_and_their_devices() -> None:
    xml = (
        "<result><template-stack>"
        "<entry name='S1'><templates><member>T</member><member>U</member></templates>"
        "<devices><entry name='A'/><entry name='B'/></devices></entry>"
        "<entry name='S2'><templates><member>U</member></templates>"
        "<devices><entry name='C'/></devices></entry>"
        "</template-stack></result>"
    )
    assert push.stacks_with(etree.fromstring(xml), "T") == {"S1": ["A", "B"]}
    assert push.stacks_with(None, "T") == {}


def test_a_push_never_forces_template_values() -> None:
    cmd = etree.tostring(push.commit_all("S", "panadmin", "pancert")).decode()
    assert "force-template-values" not in cmd
    assert "<admin><member>panadmin</member></admin>" in cmd
