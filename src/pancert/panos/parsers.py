"""Reply bodies → values of :mod:`pancert.panos.models` (panos.md §3, §7, §10).

Every parser accepts the shapes real devices and public fixtures show (see
``panos-samples/``): configuration entries (``public-key`` holding the PEM certificate,
``expiry-epoch``), operational listings (``expiry``, ``CN = x`` subjects), template-pushed
values (``src="tpl" ptpl="T"``). Facts come from the PEM when it parses (key size, SANs) and
from the XML fields otherwise, so sanitized fixtures parse too.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from pancert.panos.errors import PanosReplyError
from pancert.panos.models import (
    CertificateEntry,
    CommitResult,
    HaState,
    JobResult,
    KeyAlgorithm,
    Location,
    SystemInfo,
)
from pancert.panos.xml import child_text, messages, text_of

_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\s*", re.S)
_JOB_ID = re.compile(r"jobid\s+(\d+)")


def parse_date(text: str | None) -> dt.datetime | None:
    """``May  9 16:35:16 2025 GMT`` (OpenSSL ``-enddate`` style, space-padded day)."""
    if not text:
        return None
    try:
        return dt.datetime.strptime(" ".join(text.split()), "%b %d %H:%M:%S %Y GMT").replace(
            tzinfo=dt.UTC
        )
    except ValueError:
        return None


def split_pem_certificates(pem: bytes | str) -> list[bytes]:
    data = pem.encode() if isinstance(pem, str) else pem
    return [m.group(0).strip() + b"\n" for m in _PEM_CERT.finditer(data)]


def _key_facts(public_key: object) -> tuple[KeyAlgorithm | None, int | None]:
    if isinstance(public_key, rsa.RSAPublicKey):
        return KeyAlgorithm.RSA, public_key.key_size
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return KeyAlgorithm.EC, public_key.curve.key_size
    return None, None


def _dns_names(extensions: x509.Extensions) -> tuple[str, ...]:
    try:
        san = extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(san.get_values_for_type(x509.DNSName))


def _common_name(name: x509.Name) -> str | None:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else None


def _algorithm(text: str | None) -> KeyAlgorithm | None:
    if text in ("RSA", "EC"):
        return KeyAlgorithm(text)
    if text == "ECDSA":
        return KeyAlgorithm.EC
    return None


_Facts = tuple[KeyAlgorithm | None, int | None, tuple[str, ...], str | None]


# Every read of a firewall's certificate list returns the same PEMs again (inventory, the
# check after import, the snapshot before commit): decode each one once per run.
@functools.lru_cache(maxsize=8192)
def _certificate_facts(
    pem: bytes,
) -> (
    tuple[KeyAlgorithm | None, int | None, tuple[str, ...], str | None, dt.datetime, dt.datetime]
    | None
):
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError:
        return None
    algorithm, key_size = _key_facts(cert.public_key())
    return (
        algorithm,
        key_size,
        _dns_names(cert.extensions),
        _common_name(cert.subject),
        cert.not_valid_before_utc,
        cert.not_valid_after_utc,
    )


@functools.lru_cache(maxsize=8192)
def _request_facts(csr_pem: str) -> _Facts | None:
    try:
        csr = x509.load_pem_x509_csr(csr_pem.encode())
    except ValueError:
        return None
    algorithm, key_size = _key_facts(csr.public_key())
    return algorithm, key_size, _dns_names(csr.extensions), _common_name(csr.subject)


def certificate_entry(entry: etree._Element, location: Location) -> CertificateEntry:
    """One ``certificate/entry`` (configuration or operational listing)."""
    name = entry.get("name")
    if not name:
        raise PanosReplyError("a certificate entry has no name")
    csr_pem = child_text(entry, "csr")
    cert_pem = child_text(entry, "public-key")
    algorithm = _algorithm(child_text(entry, "algorithm"))
    key_size: int | None = None
    dns: tuple[str, ...] = ()
    common_name = child_text(entry, "common-name")
    not_before: dt.datetime | None = None
    not_after: dt.datetime | None = None
    pems = split_pem_certificates(cert_pem) if cert_pem else []
    facts = _certificate_facts(pems[0]) if pems else None
    if facts is not None:
        algorithm, key_size, dns, cn, not_before, not_after = facts
        common_name = common_name or cn
    else:  # no PEM that parses (sanitized fixtures, listings): the XML's own dates
        not_before = parse_date(child_text(entry, "not-valid-before"))
        not_after = parse_date(child_text(entry, "not-valid-after"))
        epoch = child_text(entry, "expiry-epoch") or child_text(entry, "expiry")
        if not_after is None and epoch and epoch.isdigit():
            not_after = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    if not pems and csr_pem:
        request = _request_facts(csr_pem)
        if request is not None:
            algorithm, key_size, dns, cn = request
            common_name = common_name or cn
    return CertificateEntry(
        name=name,
        location=location,
        has_private_key=entry.find("private-key") is not None
        or child_text(entry, "private-key-on-hsm") == "yes",
        csr_pem=csr_pem if not cert_pem else None,
        certificate_pem=cert_pem,
        common_name=common_name,
        subject=child_text(entry, "subject"),
        issuer=child_text(entry, "issuer"),
        not_before=not_before,
        not_after=not_after,
        algorithm=algorithm,
        key_size=key_size,
        dns_names=dns,
        revoked=child_text(entry, "status") == "revoked",
        is_ca=child_text(entry, "ca") == "yes",
        template=entry.get("ptpl") if entry.get("src") in ("tpl", "ptpl") else None,
        admin=entry.get("admin"),
    )


def certificate_entries(container: etree._Element, location: Location) -> list[CertificateEntry]:
    """Entries under ``container`` — a ``<result>``, a ``<certificate>`` list or a config
    fragment holding one (``<panorama>``, a vsys): whichever level the entries sit at."""
    if container.tag == "certificate":
        entries = container.findall("entry")
    else:
        entries = container.findall("certificate/entry") or container.findall("entry")
    return [certificate_entry(e, location) for e in entries]


def job(root: etree._Element) -> JobResult:
    """``show jobs id N`` → :class:`JobResult` (panos.md §7)."""
    node = root.find("result/job")
    if node is None:
        raise PanosReplyError("the job reply has no result/job")
    job_id = child_text(node, "id")
    progress = child_text(node, "progress") or "0"
    details = tuple(text_of(line) for line in node.findall("details/line") if text_of(line))
    if not details:
        details = tuple(
            text_of(line) for line in node.iterfind("devices/entry/details//line") if text_of(line)
        )
    if job_id is None or not job_id.isdigit():
        raise PanosReplyError("the job reply has no numeric id")
    return JobResult(
        job_id=int(job_id),
        status=child_text(node, "status") or "",
        result=child_text(node, "result") or "",
        progress=int(progress) if progress.isdigit() else 0,
        details=details,
    )


def commit(root: etree._Element) -> CommitResult:
    """A commit reply: a job id, or "There are no changes to commit." without one."""
    text = " ".join(messages(root))
    job_id = child_text(root, "result/job")
    if job_id is None:
        found = _JOB_ID.search(text)
        job_id = found.group(1) if found else None
    return CommitResult(job_id=int(job_id) if job_id and job_id.isdigit() else None, message=text)


def ha_state(root: etree._Element) -> HaState:
    result = root.find("result")
    enabled = child_text(result, "enabled") == "yes"
    sync_enabled = child_text(result, "group/running-sync-enabled")
    return HaState(
        enabled=enabled,
        local_state=child_text(result, "group/local-info/state"),
        running_sync=child_text(result, "group/running-sync"),
        sync_enabled=None if sync_enabled is None else sync_enabled == "yes",
        peer_state=child_text(result, "group/peer-info/state"),
    )


def system_info(root: etree._Element, panorama_status: str | None) -> SystemInfo:
    system = root.find("result/system")
    if system is None:
        raise PanosReplyError("the system info reply has no result/system")
    connected = panorama_connected(panorama_status)
    return SystemInfo(
        model=child_text(system, "model") or "",
        sw_version=child_text(system, "sw-version") or "",
        serial=child_text(system, "serial") or "",
        hostname=child_text(system, "hostname") or "",
        panorama_managed=connected,
    )


_CONNECTED = re.compile(r"Connected\s*:\s*(\S+)", re.IGNORECASE)


def panorama_connected(status: str | None) -> bool:
    """``show panorama-status`` text: managed when a server line says ``Connected : yes``;
    a configured but disconnected Panorama prints ``Connected : no`` (not managed now)."""
    return any(m.group(1).lower() == "yes" for m in _CONNECTED.finditer(status or ""))


def version_at_least(sw_version: str, major: int, minor: int) -> bool:
    parts = re.findall(r"\d+", sw_version)
    if len(parts) < 2:
        return False
    return (int(parts[0]), int(parts[1])) >= (major, minor)
