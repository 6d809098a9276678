"""A firewall's configuration as an lxml tree: the base configuration, XPath set/edit/delete
with PAN-OS merge rules, ``admin`` marks on candidate nodes, and reference scans.

The base configuration holds one of everything a certificate can be used by (panos.md §8):
shared and vsys1 SSL/TLS service profiles, an SSL inbound inspection rule, a GlobalProtect
portal and gateway, an IKE gateway, a certificate profile and the management interface's
SSL/TLS service profile setting.
"""

from __future__ import annotations

import copy
import re
import time

from lxml import etree

DEVICE = "/config/devices/entry[@name='localhost.localdomain']"
_STEP = re.compile(r"^([A-Za-z0-9_\-]+)(?:\[@name='([^']*)'\])?$")
MARKS = ("admin", "dirtyId", "time")

_PROTOCOL = (
    "<protocol-settings><min-version>tls1-2</min-version><max-version>max</max-version>"
    "</protocol-settings>"
)


def base_config(hostname: str, sw_version: str, members: bool) -> etree._Element:
    inbound = (
        "<ssl-inbound-inspection><certificates/></ssl-inbound-inspection>"
        if members
        else "<ssl-inbound-inspection/>"
    )
    version = ".".join(sw_version.split(".")[:2]) + ".0"
    xml = f"""<config version="{version}" urldb="paloaltonetworks">
<mgt-config><users><entry name="admin"><permissions><role-based><superuser>yes</superuser>
</role-based></permissions></entry></users></mgt-config>
<shared>
  <certificate/>
  <ssl-tls-service-profile><entry name="mgmt-tls">{_PROTOCOL}</entry>
    <entry name="shared-tls">{_PROTOCOL}</entry></ssl-tls-service-profile>
  <certificate-profile><entry name="client-ca"><CA/></entry></certificate-profile>
</shared>
<devices><entry name="localhost.localdomain">
  <deviceconfig><system><hostname>{hostname}</hostname>
    <ssl-tls-service-profile>mgmt-tls</ssl-tls-service-profile></system></deviceconfig>
  <network><ike><gateway><entry name="ike-gw1"><authentication><certificate>
    <local-certificate><name/></local-certificate></certificate></authentication></entry>
  </gateway></ike></network>
  <vsys><entry name="vsys1">
    <certificate/>
    <ssl-tls-service-profile>
      <entry name="web-tls">{_PROTOCOL}</entry>
      <entry name="gp-tls">{_PROTOCOL}</entry>
    </ssl-tls-service-profile>
    <certificate-profile><entry name="gp-client-ca"><CA/></entry></certificate-profile>
    <rulebase><decryption><rules><entry name="inbound-web"><type>{inbound}</type>
      <action>decrypt</action></entry></rules></decryption></rulebase>
    <global-protect>
      <global-protect-portal><entry name="gp-portal"><portal-config>
        <ssl-tls-service-profile>gp-tls</ssl-tls-service-profile></portal-config></entry>
      </global-protect-portal>
      <global-protect-gateway><entry name="gp-gateway">
        <ssl-tls-service-profile>gp-tls</ssl-tls-service-profile></entry>
      </global-protect-gateway>
    </global-protect>
  </entry></vsys>
</entry></devices>
</config>"""
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.fromstring(xml, parser)


class XPathError(ValueError):
    pass


def select(root: etree._Element, xpath: str) -> list[etree._Element]:
    try:
        found = root.xpath(xpath)
    except etree.XPathError as exc:
        raise XPathError(str(exc)) from exc
    if not isinstance(found, list):
        raise XPathError("the xpath does not select nodes")
    return [n for n in found if isinstance(n, etree._Element)]


def _split(xpath: str) -> list[str]:
    steps, depth, current = [], 0, ""
    for char in xpath.strip("/"):
        if char == "/" and depth == 0:
            steps.append(current)
            current = ""
            continue
        depth += char == "["
        depth -= char == "]"
        current += char
    steps.append(current)
    return steps


def ensure(root: etree._Element, xpath: str) -> list[etree._Element]:
    """Nodes at ``xpath``, creating simple missing steps (``tag`` / ``entry[@name='x']``)
    the way ``action=set`` does."""
    found = select(root, xpath)
    if found:
        return found
    steps = _split(xpath)
    if not steps or steps[0] != root.tag:
        raise XPathError(f"{xpath} is outside /{root.tag}")
    node = root
    for step in steps[1:]:
        match = _STEP.match(step)
        if match is None:
            raise XPathError(f"cannot create the node for step {step!r}")
        tag, name = match.groups()
        child = next(
            (c for c in node if c.tag == tag and (name is None or c.get("name") == name)), None
        )
        if child is None:
            child = etree.SubElement(node, tag, {"name": name} if name is not None else {})
        node = child
    return [node]


def twin_of(parent: etree._Element, child: etree._Element) -> etree._Element | None:
    for existing in parent:
        if existing.tag != child.tag:
            continue
        if child.tag == "member":
            if (existing.text or "").strip() == (child.text or "").strip():
                return existing
            continue
        if child.get("name") == existing.get("name"):
            return existing
    return None


def merge(target: etree._Element, addition: etree._Element, admin: str) -> None:
    """``action=set`` semantics: entries by name and list members are added, leaves replaced."""
    for child in addition:
        twin = twin_of(target, child)
        if twin is None:
            fresh = copy.deepcopy(child)
            mark(fresh, admin)
            target.append(fresh)
        elif len(child) == 0 and child.tag != "member":
            twin.text = child.text
            mark(twin, admin)
        else:
            merge(twin, child, admin)
            mark(twin, admin)


def mark(node: etree._Element, admin: str) -> None:
    node.set("admin", admin)
    node.set("dirtyId", "1")
    node.set("time", time.strftime("%Y/%m/%d %H:%M:%S"))


def strip_marks(root: etree._Element) -> None:
    for node in root.iter():
        for attribute in MARKS:
            if attribute in node.attrib:
                del node.attrib[attribute]


def path_of(node: etree._Element) -> str:
    steps: list[str] = []
    current: etree._Element | None = node
    while current is not None:
        name = current.get("name")
        steps.append(f"{current.tag}[@name='{name}']" if name is not None else str(current.tag))
        current = current.getparent()
    return "/" + "/".join(reversed(steps))


def arrow_of(node: etree._Element) -> str:
    """A node's path as the device names a referrer in a code-10 reply: steps and entry names
    joined by `` -> `` below its location (``certificate-profile -> client-ca -> CA -> web``)."""
    steps: list[str] = []
    current: etree._Element | None = node
    while current is not None and current.tag != "config":
        parent = current.getparent()
        if current.tag == "shared" and parent is not None and parent.tag == "config":
            break
        if current.tag == "devices":
            break
        name = current.get("name")
        if current.tag == "entry" and name is not None:
            if name != "localhost.localdomain":
                steps.append(name)
        else:
            steps.append(str(current.tag))
        current = parent
    return " -> ".join(reversed(steps))


_REFERRERS = (
    "//ssl-tls-service-profile/entry/certificate[normalize-space(text())=$n]",
    "//rulebase/decryption/rules/entry/type/ssl-inbound-inspection/certificates/member"
    "[normalize-space(text())=$n]",
    "//rulebase/decryption/rules/entry/type/ssl-inbound-inspection[not(*)]"
    "[normalize-space(text())=$n]",
    "//certificate-profile/entry/CA/entry[@name=$n]",
    "//local-certificate/name[normalize-space(text())=$n]",
    "//ssl-decrypt//member[normalize-space(text())=$n]",
)


def referrers(root: etree._Element, certificate: str, *, arrows: bool = False) -> list[str]:
    """Paths (or arrow-form lines) of every node that names ``certificate`` (what blocks its
    deletion, code 10)."""
    found: list[str] = []
    for query in _REFERRERS:
        nodes = root.xpath(query, n=certificate)
        assert isinstance(nodes, list)
        render = arrow_of if arrows else path_of
        found.extend(render(n) for n in nodes if isinstance(n, etree._Element))
    return found


def validate(root: etree._Element) -> list[str]:
    """Commit-time checks that real commits fail on (samples: missing protocol-settings)."""
    problems: list[str] = []
    for profile in select(root, "//ssl-tls-service-profile/entry"):
        name = profile.get("name")
        if profile.find("protocol-settings") is None:
            problems.append(f" ssl-tls-service-profile -> {name}  is missing 'protocol-settings'")
        cert = (profile.findtext("certificate") or "").strip()
        if cert and not _certificate_visible(profile, cert):
            problems.append(
                f" ssl-tls-service-profile -> {name} -> certificate '{cert}' is not a valid "
                "reference"
            )
    if problems:
        problems = ["Validation Error:", *problems, " ssl-tls-service-profile is invalid"]
    return problems


def _certificate_visible(node: etree._Element, name: str) -> bool:
    """A vsys profile sees its vsys's certificates and shared ones; a shared one sees shared."""
    scopes = [a for a in node.iterancestors("entry") if _parent_tag(a) == "vsys"]
    # the nearest <config>'s shared: the device's, or a Panorama template's own
    shared = [s for c in node.iterancestors("config") if (s := c.find("shared")) is not None]
    return any(scope.xpath("certificate/entry[@name=$n]", n=name) for scope in scopes + shared)


def _parent_tag(node: etree._Element) -> str | None:
    parent = node.getparent()
    return None if parent is None else str(parent.tag)


_KEYED_USES = (
    "//ssl-tls-service-profile/entry/certificate",
    "//rulebase/decryption/rules/entry/type/ssl-inbound-inspection/certificates/member",
    "//rulebase/decryption/rules/entry/type/ssl-inbound-inspection[not(*)]",
    "//local-certificate/name",
)
"""Uses that need the certificate's private key on the box (a server or IKE identity)."""


def binding_problems(root: etree._Element, now: float) -> list[str]:
    """Every use of a certificate that would not work if this configuration were running:
    the entry is missing, has no key, holds only a CSR, or is expired (the reliability invariant
    "every binding references an entry with a key and a valid certificate")."""
    problems: list[str] = []
    for query in _KEYED_USES:
        found = root.xpath(query)
        assert isinstance(found, list)
        for use in found:
            if not isinstance(use, etree._Element):
                continue
            name = (use.text or "").strip()
            if not name:
                continue
            where = path_of(use)
            matches = root.xpath("//certificate/entry[@name=$n]", n=name)
            assert isinstance(matches, list)
            entries = [e for e in matches if isinstance(e, etree._Element)]
            if not entries:
                problems.append(f"{where} names {name}, which does not exist")
                continue
            entry = entries[0]
            if entry.find("private-key") is None:
                problems.append(f"{where} names {name}, which has no private key")
            if entry.find("public-key") is None:
                problems.append(f"{where} names {name}, which holds no signed certificate")
            expiry = entry.findtext("expiry-epoch")
            if expiry is not None and expiry.strip().isdigit() and int(expiry) <= now:
                problems.append(f"{where} names {name}, which has expired")
    return problems
