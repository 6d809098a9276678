"""Pushing a Panorama template to its firewalls and reading the result of each device.

A push is ``type=commit&action=all`` with ``<commit-all><template-stack>`` for each stack
whose ``templates`` hold the template (as Infisical's PKI sync finds them), scoped to one
admin (pan-os-python ``PanoramaCommitAll(admins=…)``, PAN-OS 10.2+). Its job is polled until
``status`` is FIN and no ``devices/entry/result`` is PEND (pan-os-python ``syncjob
(sync_all=True)``). Success is job OK and every expected device OK; a device the stack
names that the job does not list is reported missing (a disconnected device is not pushed
to). ``force-template-values`` is never sent: it would overwrite firewall-local values.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from pancert.errors import PanosError
from pancert.panos.xml import E, child_text, text_of


class PushFailedError(PanosError):
    hint = (
        "fix or reconnect the failing device(s) and run pancert again: the push is "
        "repeated, and devices already OK are unaffected"
    )


@dataclass(frozen=True)
class DeviceOutcome:
    """One device's push result: OK, FAIL (with Panorama's message) or missing."""

    serial: str
    name: str
    result: str
    message: str = ""

    def __str__(self) -> str:
        text = f"{self.serial} ({self.name or '?'}) {self.result}"
        return f"{text}: {self.message}" if self.message else text


@dataclass(frozen=True)
class PushJob:
    job_id: int
    finished: bool
    result: str
    devices: tuple[DeviceOutcome, ...]

    @property
    def settled(self) -> bool:
        return self.finished and not any(d.result == "PEND" for d in self.devices)


def stacks_with(root: etree._Element | None, template: str) -> dict[str, list[str]]:
    """Template stacks (name → serials of their devices) whose templates include
    ``template``, from a read of Panorama's ``template-stack`` node."""
    if root is None:
        return {}
    found: dict[str, list[str]] = {}
    for stack in root.iter("entry"):
        parent = stack.getparent()
        if parent is None or parent.tag != "template-stack":
            continue
        members = [text_of(m) for m in stack.iterfind("templates/member")]
        if template in members:
            found[str(stack.get("name"))] = [
                str(d.get("name")) for d in stack.iterfind("devices/entry")
            ]
    return found


def commit_all(stack: str, admin: str, description: str | None) -> etree._Element:
    body = [E("name", stack)]
    if description:
        body.append(E("description", description))
    body.append(E("admin", E("member", admin)))
    return E("commit-all", E("template-stack", *body))


def _message(entry: etree._Element) -> str:
    details = entry.find("details")
    if details is None:
        return ""
    lines = [text_of(n) for n in details.iterfind(".//errors/line")]
    if not lines:
        lines = [text_of(details)]  # some releases put plain text under details
    return " ".join(line for line in lines if line)


def parse_job(root: etree._Element) -> PushJob:
    node = root.find("result/job")
    if node is None:
        raise PanosError("the push job reply has no result/job")
    devices = tuple(
        DeviceOutcome(
            serial=child_text(e, "serial-no") or "",
            name=child_text(e, "devicename") or "",
            result=child_text(e, "result") or "PEND",
            message=_message(e),
        )
        for e in node.iterfind("devices/entry")
    )
    job_id = child_text(node, "id") or "0"
    return PushJob(
        job_id=int(job_id) if job_id.isdigit() else 0,
        finished=child_text(node, "status") == "FIN",
        result=child_text(node, "result") or "",
        devices=devices,
    )


def outcomes(job: PushJob, expected: list[str]) -> list[DeviceOutcome]:
    """Every device the job lists, then each expected one it does not (missing)."""
    listed = {d.serial for d in job.devices}
    # an OK's "Configuration committed successfully" is noise in a report
    found = [
        DeviceOutcome(d.serial, d.name, d.result) if d.result == "OK" else d for d in job.devices
    ]
    found += [
        DeviceOutcome(s, "", "missing", "not in the push job (disconnected?)")
        for s in expected
        if s not in listed
    ]
    if job.result not in ("OK", "FAIL") and not found:
        found.append(DeviceOutcome("-", "", job.result or "?", "the push job listed no device"))
    return found


def failure(stack: str, job: PushJob, results: list[DeviceOutcome]) -> str | None:
    """Why the push of ``stack`` failed, or None: job OK and every expected device OK."""
    if job.result == "OK" and results and all(r.result == "OK" for r in results):
        return None
    return f"push of stack {stack} (job {job.job_id}, result {job.result or '?'}): " + "; ".join(
        str(r) for r in results
    )
