"""``type=export`` and ``type=import`` of the sandbox firewall (panos.md §5, §6).

Import categories: ``certificate`` (a PEM chain, or PKCS#12 with ``format=pkcs12``, onto a
CSR entry or as a new entry), ``private-key`` (the key of an existing entry, PEM, with
``passphrase``) and ``keypair`` (one PEM or PKCS#12 holding key and certificates, with
``passphrase``) — the three categories acme.sh's deploy hook, pan-os-codegen's Terraform
import and the Keyfactor orchestrator send (panos.md §6 [ACME][CODEGEN][KF]). ``format`` is
honoured: a PEM sent as ``pkcs12`` (or the reverse) fails to extract. Expired certificates
are refused ("Certificate is expired", pan-chainguard [CHAIN]); a ``vsys`` the firewall does
not have is refused, never created.
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from pancert.sandbox.firewall import certs
from pancert.sandbox.firewall.changes import Change, certificates_xpath
from pancert.sandbox.firewall.firewall import Firewall
from pancert.sandbox.firewall.handlers import check_location, find_entry, location_of
from pancert.sandbox.firewall.replies import ApiError, Reply, attachment, success

_CATEGORIES = ("certificate", "private-key", "keypair")


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
    location = "shared" if fw.settings.export_ignores_vsys else location_of(params)
    check_location(fw, location)
    entry = find_entry(fw.candidate, location, name)
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


def _failed(name: str, why: str) -> ApiError:
    return ApiError(None, f"Import of {name} failed. {why}")


def import_file(
    fw: Firewall, user: str, params: dict[str, str], data: bytes, filename: str | None
) -> Reply:
    category = params.get("category", "")
    name = params.get("certificate-name", "")
    if category not in _CATEGORIES:
        raise ApiError(13, f"the sandbox imports {', '.join(_CATEGORIES)} (not {category!r})")
    fw.refuse_writes(user, "import")
    location = location_of(params)
    check_location(fw, location)
    fmt = params.get("format", "pem").lower()
    passphrase = params.get("passphrase")
    if category != "certificate" and not passphrase:
        raise _failed(name, f"passphrase is required for {category}")
    try:
        certs.check_name(name, fw.settings.max_name_length)
        if category == "private-key":
            # the multipart filename is validated like an object name (sample
            # import-error-private-key-filename-invalid-code17.xml)
            certs.check_name(filename or "", 1023, "name", "private-key")
        material = certs.read_material(data, fmt, passphrase, name)
    except certs.CertificateOpError as exc:
        raise ApiError(exc.code, *exc.lines) from exc
    current = find_entry(fw.candidate, location, name)
    if category == "private-key":
        return _import_key(
            fw, user, location=location, name=name, current=current, material=material
        )
    if not material.chain:
        raise _failed(name, "Failed to extract certificate")
    if category == "keypair" and material.key is None:
        raise _failed(name, "Failed to extract private key")
    leaf = material.chain[0]
    if leaf.not_valid_after_utc <= dt.datetime.now(dt.UTC):
        raise _failed(name, "Certificate is expired")
    key = material.key
    if key is None and current is not None:
        key = fw.key_store.get(location, name)
    if key is not None and certs.public_der(leaf) != certs.public_der(key):
        raise _failed(
            name,
            "The certificate's public key does not match the private key of the entry "
            "(private key mismatch)",
        )
    if material.key is not None:
        fw.key_store.put(location, name, material.key)
    kept = material.chain[:1] if fw.settings.chain_as_leaf_only else material.chain
    chain_pem = "".join(certs.pem(c) for c in kept)
    marker = current.findtext("private-key") if current is not None else None
    entry = certs.signed_entry(
        name, material.chain, chain_pem, with_key=key is not None, key_marker=marker
    )
    _write(fw, user, location=location, name=name, current=current, entry=entry)
    return success(text=f"Successfully imported {name} into candidate configuration")


def _import_key(
    fw: Firewall,
    user: str,
    *,
    location: str,
    name: str,
    current: etree._Element | None,
    material: certs.Material,
) -> Reply:
    if material.key is None:
        raise _failed(name, "Failed to extract private key")
    pem = current.findtext("public-key") if current is not None else None
    if current is None or not pem:
        raise _failed(name, "No certificate found for the private key")
    chain = certs.load_chain(pem.encode())
    if certs.public_der(chain[0]) != certs.public_der(material.key):
        raise _failed(name, "private key mismatch")
    fw.key_store.put(location, name, material.key)
    entry = certs.signed_entry(name, chain, pem, with_key=True)
    _write(fw, user, location=location, name=name, current=current, entry=entry)
    return success(text=f"Successfully imported {name} into candidate configuration")


def _write(
    fw: Firewall,
    user: str,
    *,
    location: str,
    name: str,
    current: etree._Element | None,
    entry: etree._Element,
) -> None:
    xml = etree.tostring(entry, encoding="unicode")
    if current is None:
        fw.change(Change(user, "set", certificates_xpath(location), xml))
        fw.record_creation(location, name, user)
    else:
        xpath = f"{certificates_xpath(location)}/entry[@name='{name}']"
        fw.change(Change(user, "edit", xpath, xml))
