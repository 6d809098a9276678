"""The XML API request types of the sandbox firewall: keygen, version, config, op, commit,
export and import (reference §1-§8). Each handler takes the request's parameters and
answers a :class:`Reply`; refusals are :class:`ApiError` with the reference's codes.
"""

from __future__ import annotations

import asyncio
import copy
import time

from lxml import etree

from pancert.sandbox.firewall import certs, tree
from pancert.sandbox.firewall.changes import Change, certificates_xpath
from pancert.sandbox.firewall.firewall import Firewall
from pancert.sandbox.firewall.replies import (
    ApiError,
    Reply,
    attachment,
    element,
    message,
    success,
)
from pancert.sandbox.firewall.settings import generate_key

SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def parse_xml(text: str, what: str) -> etree._Element:
    try:
        return etree.fromstring(text.encode(), SAFE)
    except etree.XMLSyntaxError as exc:
        raise ApiError(18, f"Malformed Request: {what} is not well-formed XML") from exc


def location_of(params: dict[str, str]) -> str:
    vsys = params.get("vsys", "")
    return vsys if vsys.startswith("vsys") else "shared"


def find_entry(root: etree._Element, location: str, name: str) -> etree._Element | None:
    found = root.xpath(certificates_xpath(location) + "/entry[@name=$n]", n=name)
    assert isinstance(found, list)
    return next((e for e in found if isinstance(e, etree._Element)), None)


# -- keygen, version ------------------------------------------------------------------------


def keygen(fw: Firewall, params: dict[str, str]) -> Reply:
    user, password = params.get("user", ""), params.get("password", "")
    if fw.admins.get(user) != password or not user:
        raise ApiError(403, "Invalid credentials.", http_status=403)
    return success(element("key", fw.key_for(user)))


def version(fw: Firewall) -> Reply:
    s = fw.settings
    return success(
        element("sw-version", s.sw_version),
        element("multi-vsys", "off"),
        element("model", s.model),
        element("serial", fw.serial),
    )


# -- config ---------------------------------------------------------------------------------


def config(fw: Firewall, user: str, params: dict[str, str]) -> Reply:
    action, xpath = params.get("action", ""), params.get("xpath", "")
    if not xpath:
        raise ApiError(400, 'Parameter "xpath" is required', http_status=400)
    try:
        if action in ("get", "show"):
            root = fw.candidate if action == "get" else fw.running
            nodes = tree.select(root, xpath)
            if not nodes:
                if action == "get":
                    return success(code=7)
                raise ApiError(None, "No such node")
            copies = [copy.deepcopy(n) for n in nodes]
            if action == "show":
                return success(*copies)
            count = str(len(copies))
            return success(*copies, code=19, **{"total-count": count, "count": count})
        if action in ("set", "edit"):
            if "element" not in params:
                raise ApiError(400, 'Parameter "element" is required', http_status=400)
            parse_xml(f"<w>{params['element']}</w>", "element")
            fw.change(Change(user, action, xpath, params["element"]))
            return message("command succeeded", 20)
        if action == "delete":
            if not tree.select(fw.candidate, xpath):
                return message("Object doesn't exist", 7)
            fw.change(Change(user, "delete", xpath))
            return message("command succeeded", 20)
    except tree.XPathError as exc:
        raise ApiError(6, f"Bad XPath: {exc}") from exc
    raise ApiError(400, f"action {action!r} is not supported by the sandbox", http_status=400)


# -- op -------------------------------------------------------------------------------------


def op_kind(cmd: etree._Element) -> str:
    path = [cmd.tag, *(c.tag for c in cmd.iterdescendants())][:3]
    table = {
        ("request", "certificate", "generate"): "generate",
        ("show", "jobs", "id"): "show_jobs",
        ("show", "system", "info"): "system_info",
        ("show", "high-availability", "state"): "ha_state",
        ("show", "high-availability", "all"): "ha_state",
        ("request", "high-availability", "sync-to-remote"): "ha_sync",
        ("check", "pending-changes"): "pending_changes",
        ("show", "panorama-status"): "panorama_status",
    }
    for key, kind in table.items():
        if tuple(str(p) for p in path[: len(key)]) == key:
            return kind
    if cmd.tag == "request" and len(cmd) and cmd[0].tag in ("config-lock", "commit-lock"):
        return "lock"
    return "op"


async def op(fw: Firewall, user: str, params: dict[str, str]) -> Reply:
    cmd = parse_xml(params.get("cmd", ""), "cmd")
    kind = op_kind(cmd)
    if kind == "generate":
        return await generate(fw, user, cmd.find("certificate/generate"), location_of(params))
    if kind == "show_jobs":
        return show_job(fw, (cmd.findtext("jobs/id") or "").strip())
    if kind == "system_info":
        return system_info(fw)
    if kind == "ha_state":
        return ha_state(fw)
    if kind == "ha_sync" and fw.ha is not None:
        return fw.ha.sync_to_remote(fw)
    if kind == "pending_changes":
        fw.settle()
        return success(text="yes" if fw.changes else "no")
    if kind == "panorama_status":
        if not fw.settings.panorama_managed:
            return success(text="")
        return success(text="Panorama Server 1 : 192.0.2.10\n    Connected     : yes\n")
    if kind == "lock":
        return lock(fw, user, cmd[0])
    raise ApiError(17, f" {cmd.tag} -> {cmd[0].tag if len(cmd) else ''} is unexpected")


def lock(fw: Firewall, user: str, node: etree._Element) -> Reply:
    attribute = "config_lock" if node.tag == "config-lock" else "commit_lock"
    holder = getattr(fw, attribute)
    if node.find("add") is not None:
        if holder not in (None, user):
            label = "Config" if attribute == "config_lock" else "Commit"
            raise ApiError(13, f"{label} lock is already held by {holder}")
        setattr(fw, attribute, user)
        return success(text="Successfully acquired lock")
    if holder is None:
        raise ApiError(
            13,
            f"{'Config is' if attribute == 'config_lock' else 'Commit lock is'} not currently held",
        )
    setattr(fw, attribute, None)
    return success(text="Successfully released lock")


def system_info(fw: Firewall) -> Reply:
    s = fw.settings
    system = element(
        "system",
        None,
        element("hostname", fw.name),
        element("ip-address", "127.0.0.1"),
        element("model", s.model),
        element("serial", fw.serial),
        element("sw-version", s.sw_version),
        element("multi-vsys", "off"),
        element("family", "vm"),
    )
    return success(system)


def ha_state(fw: Firewall) -> Reply:
    if fw.ha is not None:
        return fw.ha.state_reply(fw)
    if not fw.settings.ha_passive and not fw.settings.ha_enabled:
        return success(element("enabled", "no"))
    local = "passive" if fw.settings.ha_passive else "active"
    peer = "active" if local == "passive" else "passive"
    group = element(
        "group",
        None,
        element("mode", "Active-Passive"),
        element("local-info", None, element("state", local)),
        element("peer-info", None, element("state", peer)),
        element("running-sync", "synchronized"),
        element("running-sync-enabled", "yes"),
    )
    return success(element("enabled", "yes"), group)


def show_job(fw: Firewall, job_id: str) -> Reply:
    job = fw.jobs.get(int(job_id)) if job_id.isdigit() else None
    if job is None:
        raise ApiError(None, f"job {job_id} not found")
    fields = fw.job_fields(job)
    details = element("details")
    if fields["status"] == "FIN":
        lines = job.problems or ["Configuration committed successfully"]
        for line in lines:
            details.append(element("line", line))
    node = element(
        "job",
        None,
        element("tenq", time.strftime("%Y/%m/%d %H:%M:%S")),
        element("id", str(job.id)),
        element("user", job.user),
        element("type", "Commit"),
        element("status", fields["status"]),
        element("queued", "NO"),
        element("stoppable", "no"),
        element("result", fields["result"]),
        element("tfin", "Still Active" if fields["status"] != "FIN" else "done"),
        element("description", job.description),
        element("positionInQ", "0"),
        element("progress", fields["progress"]),
        details,
        element("warnings"),
    )
    return success(node)


async def generate(fw: Firewall, user: str, spec: etree._Element | None, location: str) -> Reply:
    """On-box key pair + CSR, ``signed-by external`` (reference §4)."""
    if spec is None:
        raise ApiError(17, "generate is missing its parameters")
    fw.refuse_writes(user, "generate")
    name = (spec.findtext("certificate-name") or "").strip()
    try:
        certs.check_name(name, fw.settings.max_name_length)
        algorithm, bits = certs.key_spec(spec)
    except certs.CertificateOpError as exc:
        raise ApiError(exc.code, *exc.lines) from exc
    if algorithm == "EC" and bits == 521 and fw.settings.refuse_ecdsa_521:
        raise ApiError(17, "ecdsa-nbits 521 is not supported for certificate generation")
    if (spec.findtext("signed-by") or "").strip() != "external":
        raise ApiError(13, "the sandbox signs only with signed-by external (a CSR)")
    if find_entry(fw.candidate, location, name) is not None:
        raise ApiError(13, f"Certificate {name} already exists in {location}")
    started = time.monotonic()
    key = None
    if fw.settings.key_pool is not None:
        key = fw.settings.key_pool.take(algorithm, bits)
    if key is None:
        key = await asyncio.to_thread(generate_key, algorithm, bits)
    try:
        csr = certs.build_csr(spec, key)
    except certs.CertificateOpError as exc:
        raise ApiError(exc.code, *exc.lines) from exc
    latency = fw.settings.keygen_latency_s.get(f"{algorithm}-{bits}", 0.0)
    await asyncio.sleep(max(0.0, latency - (time.monotonic() - started)))
    entry = certs.pending_entry(
        name, (spec.findtext("name") or "").strip(), algorithm, certs.csr_pem(csr)
    )
    fw.key_store.put(location, name, key)
    xml = etree.tostring(entry, encoding="unicode")
    fw.change(Change(user, "set", certificates_xpath(location), xml))
    if not fw.settings.csr_candidate_only:
        target = tree.ensure(fw.running, certificates_xpath(location))[0]
        target.append(copy.deepcopy(entry))
    return success(text="Successfully generated certificate and key pair")


# -- commit ---------------------------------------------------------------------------------


def commit(fw: Firewall, user: str, params: dict[str, str]) -> Reply:
    cmd = parse_xml(params.get("cmd", "<commit/>"), "cmd")
    partial = cmd.find("partial")
    if partial is None:
        partial = cmd.find("force/partial")
    admins = None
    if partial is not None:
        admins = [(m.text or "").strip() for m in partial.iterfind("admin/member")]
    description = (cmd.findtext("description") or "").strip()
    if not description and partial is not None:
        description = (partial.findtext("description") or "").strip()
    job = fw.commit(user, description, admins or None if partial is not None else None)
    if job is None:
        return message("There are no changes to commit.", 19)
    line = element("line", f"Commit job enqueued with jobid {job.id}")
    return success(element("msg", None, line), element("job", str(job.id)), code=19)


# -- export and import ----------------------------------------------------------------------


def export(fw: Firewall, params: dict[str, str]) -> Reply:
    category = params.get("category", "")
    include_key = params.get("include-key", "no").lower() == "yes"
    fmt = params.get("format")
    if category in ("private-key", "keypair") or include_key or fmt == "pkcs12":
        fw.refused_key_exports += 1
        raise ApiError(13, "Export of private keys is refused by this firewall (sandbox policy)")
    if category != "certificate":
        raise ApiError(400, f"category {category!r} is not supported", http_status=400)
    if not fmt:
        raise ApiError(400, 'Parameter "format" is required while exporting certificate')
    name = params.get("certificate-name", "")
    entry = find_entry(fw.candidate, location_of(params), name)
    if entry is None:
        raise ApiError(7, f"Certificate {name} does not exist")
    if fmt == "pkcs10":
        csr = entry.findtext("csr")
        if not csr:
            raise ApiError(13, f"{name} has no pending certificate request")
        return attachment(csr.encode(), f"{name.lower()}.csr")
    if fmt == "pem":
        pem = entry.findtext("public-key")
        if not pem:
            raise ApiError(13, f"{name} has no certificate yet (pending CSR)")
        return attachment(pem.encode(), f"{name.lower()}.pem")
    raise ApiError(400, f'format "{fmt}" is not valid', http_status=400)


def import_certificate(fw: Firewall, user: str, params: dict[str, str], data: bytes) -> Reply:
    category = params.get("category", "")
    name = params.get("certificate-name", "")
    if category != "certificate":
        raise ApiError(13, f"the sandbox imports certificates only (category {category!r})")
    fw.refuse_writes(user, "import")
    try:
        certs.check_name(name, fw.settings.max_name_length)
        chain = certs.load_chain(data)
    except certs.CertificateOpError as exc:
        raise ApiError(exc.code, *exc.lines) from exc
    location = location_of(params)
    current = find_entry(fw.candidate, location, name)
    key = fw.key_store.get(location, name) if current is not None else None
    leaf = chain[0]
    if key is not None and certs.public_der(leaf) != certs.public_der(key):
        raise ApiError(
            None,
            f"Import of {name} failed. The certificate's public key does not match the "
            "private key of the entry (private key mismatch)",
        )
    kept = chain[:1] if fw.settings.chain_as_leaf_only else chain
    chain_pem = "".join(certs.pem(c) for c in kept)
    marker = current.findtext("private-key") if current is not None else None
    entry = certs.signed_entry(name, chain, chain_pem, with_key=key is not None, key_marker=marker)
    xml = etree.tostring(entry, encoding="unicode")
    if current is None:
        fw.change(Change(user, "set", certificates_xpath(location), xml))
    else:
        fw.change(
            Change(user, "edit", f"{certificates_xpath(location)}/entry[@name='{name}']", xml)
        )
    return success(text=f"Successfully imported {name} into candidate configuration")
