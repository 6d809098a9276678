"""The XML API request types of the sandbox firewall: keygen, version, config, op, commit,
export and import (panos.md §1-§8). Each handler takes the request's parameters and
answers a :class:`Reply`; refusals are :class:`ApiError` with the reference's codes.
"""

from __future__ import annotations

import asyncio
import copy
import re
import time

from lxml import etree

from pancert.sandbox.firewall import certs, schema, tree
from pancert.sandbox.firewall.changes import Change, certificates_xpath
from pancert.sandbox.firewall.firewall import Firewall
from pancert.sandbox.firewall.replies import (
    ApiError,
    Reply,
    element,
    keygen_success,
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
    vsys = params.get("vsys", "").strip()
    return vsys if vsys and vsys != "shared" else "shared"


def check_location(fw: Firewall, location: str) -> None:
    """A ``vsys=`` the firewall does not have is refused, never created (wording unverified)."""
    if location == "shared":
        return
    if not re.fullmatch(r"vsys\d+", location) or not tree.select(
        fw.candidate, f"{tree.DEVICE}/vsys/entry[@name='{location}']"
    ):
        raise ApiError(17, f" vsys '{location}' is not a valid virtual system")


def find_entry(root: etree._Element, location: str, name: str) -> etree._Element | None:
    found = root.xpath(certificates_xpath(location) + "/entry[@name=$n]", n=name)
    assert isinstance(found, list)
    return next((e for e in found if isinstance(e, etree._Element)), None)


# -- keygen, version ------------------------------------------------------------------------


def keygen(fw: Firewall, params: dict[str, str]) -> Reply:
    user, password = params.get("user", ""), params.get("password", "")
    if fw.admins.get(user) != password or not user:
        raise ApiError(403, "Invalid Credential", http_status=403)
    return keygen_success(fw.key_for(user))


def version(fw: Firewall) -> Reply:
    s = fw.settings
    return success(
        element("sw-version", s.sw_version),
        element("multi-vsys", "on" if s.multi_vsys else "off"),
        element("model", s.model),
        element("serial", fw.serial),
    )


# -- config ---------------------------------------------------------------------------------


def _read(fw: Firewall, action: str, xpath: str) -> Reply:
    """``get`` (candidate) and ``show`` (running) of ``xpath``."""
    root = fw.candidate if action == "get" else fw.running
    nodes = tree.select(root, xpath)
    if not nodes:
        if action == "get":
            return success(code=7)
        raise ApiError(None, "No such node")
    copies = [copy.deepcopy(n) for n in nodes]
    if action == "show":
        if len(copies) > 1 and fw.settings.multi_node_show_refused:
            raise ApiError(None, f"show: {xpath} matches more than one node")
        return success(*copies)
    count = str(len(copies))
    return success(*copies, code=19, **{"total-count": count, "count": count})


def config(fw: Firewall, user: str, params: dict[str, str]) -> Reply:
    action, xpath = params.get("action", ""), params.get("xpath", "")
    if not xpath:
        raise ApiError(400, 'Parameter "xpath" is required', http_status=400)
    try:
        if action in ("get", "show"):
            return _read(fw, action, xpath)
        if action in ("set", "edit"):
            if "element" not in params:
                raise ApiError(400, 'Parameter "element" is required', http_status=400)
            wrapped = parse_xml(f"<w>{params['element']}</w>", "element")
            try:
                schema.check(xpath, action, wrapped)
            except schema.SchemaError as exc:
                raise ApiError(12, f" {exc}", f" {exc.owner} is invalid") from exc
            partial = action == "set" and schema.partial_xpath(xpath, wrapped)
            attributed = not (partial and fw.settings.partial_xpath_unattributed)
            fw.change(Change(user, action, xpath, params["element"], attributed=attributed))
            return message("command succeeded", 20)
        if action in ("rename", "move", "clone"):
            keys = ("newname", "where", "dst", "from")
            extra = {k: params[k] for k in keys if k in params}
            fw.change(Change(user, action, xpath, None, extra))
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


async def generate(fw: Firewall, user: str, spec: etree._Element | None, location: str) -> Reply:
    """On-box key pair + CSR, ``signed-by external`` (panos.md §4)."""
    if spec is None:
        raise ApiError(17, "generate is missing its parameters")
    fw.refuse_writes(user, "generate")
    check_location(fw, location)
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
    fw.record_creation(location, name, user)
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
