"""Reading the files beside config.yaml: credentials, firewall and certificate profiles.

Problems are accumulated per file, per firewall and per credential label, and propagated to
every certificate profile that uses them, so one broken file sets aside only its users.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from cryptography import x509
from pydantic import BaseModel, SecretStr, ValidationError

from pancert.config._cache import DocumentCache
from pancert.config.acme import AcmeCredential, is_acme_body
from pancert.config.fields import prepare, problems_from, profile_name, yaml_keys
from pancert.config.models import AppConfig, FirewallProfile, ScmCredential
from pancert.config.profile import CertificateProfile, check_profile_name
from pancert.config.reach import reach_problems
from pancert.config.yamlio import Document, read_document
from pancert.errors import ConfigError, Problem
from pancert.redaction import register_secret

CREDENTIALS_FILE = "sectigo_credentials.yaml"
PLAINTEXT = "secret stored in plaintext while sectigo_encrypt_credentials is true"
_M = TypeVar("_M", bound=BaseModel)
MAX_BUNDLE_BYTES = 16 * 1024 * 1024
"""The Mozilla bundle is ~220 KB; a file this large is not a CA bundle."""


class Reader:
    """Accumulates problems per file and per firewall/credential while reading."""

    def __init__(
        self, app: AppConfig, warnings: list[str], documents: DocumentCache | None = None
    ) -> None:
        self.app = app
        self.documents = documents
        self.warnings = warnings
        self.file_problems: list[Problem] = []
        self.fw_problems: dict[str, list[Problem]] = {}
        self.cred_problems: dict[str, list[Problem]] = {}
        self.cred_file_problems: list[Problem] = []
        self.acme_credentials: dict[str, AcmeCredential] = {}

    def _model(
        self, model: type[_M], raw: Any, file: Path, extra: dict[str, Any], prefix: str = ""
    ) -> tuple[_M | None, list[Problem]]:
        if not isinstance(raw, Mapping):
            return None, [Problem(str(file), prefix, "must be a mapping of keys to values")]
        data, warnings, problems = prepare(raw, model, str(file))
        self.warnings.extend(
            w.replace(f"{file}: ", f"{file}: {prefix}.", 1) if prefix else w for w in warnings
        )
        problems = [
            Problem(p.file, f"{prefix}.{p.field}" if prefix else p.field, p.message, p.allowed)
            for p in problems
        ]
        try:
            obj = model.model_validate({**data, **extra}, context={"base": file.parent})
        except ValidationError as exc:
            return None, problems + problems_from(exc, str(file), prefix)
        for value in vars(obj).values():  # the fields as validated; model_dump would copy
            if isinstance(value, SecretStr):
                register_secret(value.get_secret_value())
        return (obj if not problems else None), problems

    def _read(self, path: Path, model: type[BaseModel]) -> Document:
        """A profile, through the cache (never the credentials file: always parsed afresh)."""
        if self.documents is None:
            return read_document(path, gnupg_home=self.app.gnupg_home)
        known = yaml_keys(model)
        return self.documents.document(path, gnupg_home=self.app.gnupg_home, known=known)

    def _warn_if_exposed(self, path: Path, encrypted: bool) -> None:
        """A plaintext file holding secrets should be readable by its owner alone."""
        if encrypted or os.name != "posix":
            return
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            who = "everyone" if mode & 0o007 else "its group"
            self.warnings.append(
                f"{path}: holds secrets in plaintext and is readable by {who} "
                f"(mode {mode:04o}); run `chmod 600 {path}`"
            )

    def credentials(self, path: Path | None) -> dict[str, ScmCredential]:
        if path is None:
            return {}
        try:
            doc = read_document(path, gnupg_home=self.app.gnupg_home)
        except ConfigError as exc:
            self.cred_file_problems = exc.problems
            return {}
        self._warn_if_exposed(path, doc.encrypted)
        raw = {} if doc.data is None else doc.data
        if not isinstance(raw, Mapping):
            self.cred_file_problems = [Problem(str(path), "", "must map labels to credentials")]
            return {}
        found: dict[str, ScmCredential] = {}
        for label, body in raw.items():
            if str(label) == "sops":
                continue
            extra = {"label": str(label), "source": path}
            model: type[ScmCredential | AcmeCredential] = (
                AcmeCredential if is_acme_body(body) else ScmCredential
            )
            cred, problems = self._model(model, body, path, extra, str(label))
            if cred is not None and self.app.encrypt_credentials and not doc.encrypted:
                problems.append(Problem(str(path), str(label), PLAINTEXT, "run `pancert encrypt`"))
            if problems:
                self.cred_problems[str(label)] = problems
            elif isinstance(cred, AcmeCredential):
                self.acme_credentials[cred.label] = cred
            elif cred is not None:
                found[cred.label] = cred
        return found

    def firewall(self, path: Path) -> FirewallProfile | None:
        name = profile_name(path.name)
        try:
            doc = self._read(path, FirewallProfile)
        except ConfigError as exc:
            self.fw_problems[name] = exc.problems
            return None
        self._warn_if_exposed(path, doc.encrypted)
        fw, problems = self._model(FirewallProfile, doc.data, path, {"name": name, "source": path})
        if fw is not None:
            problems += [Problem(str(path), *p) for p in reach_problems(fw)]
            # behind Panorama, Panorama's key serves; a direct URL needs the device's own
            if fw.api_key is None and (fw.panorama is None or fw.url is not None):
                problems.append(
                    Problem(str(path), "paloalto_api_key", "required", "the firewall's XML API key")
                )
            elif self.app.encrypt_credentials and not doc.encrypted:
                problems.append(
                    Problem(str(path), "paloalto_api_key", PLAINTEXT, "run `pancert encrypt`")
                )
            why = ca_bundle_problem(fw.ca_bundle)
            if why:
                problems.append(
                    Problem(
                        str(path),
                        "paloalto_ca_bundle",
                        why,
                        "a PEM file with the CA of the firewall's management certificate",
                    )
                )
            if fw.tls_insecure:
                self.warnings.append(
                    f"{path}: paloalto_tls_insecure: TLS verification is OFF "
                    "for this firewall; prefer paloalto_ca_bundle or a pin"
                )
        if problems:
            self.fw_problems[name] = problems
        return fw

    def link_panoramas(self, firewalls: dict[str, FirewallProfile]) -> None:
        """Give each firewall reached through Panorama its Panorama's profile; a missing,
        broken or itself-proxied Panorama profile is a problem of the firewall's file."""
        for name, fw in list(firewalls.items()):
            if fw.panorama is None:
                continue
            pano = firewalls.get(fw.panorama)
            problem = None
            if fw.panorama in self.fw_problems:
                problem = f"{fw.panorama}.yaml has problems of its own"
            elif pano is None:
                problem = f"no firewall profile {fw.panorama}.yaml"
            elif pano.panorama is not None or pano.url is None:
                problem = f"{fw.panorama}.yaml must name Panorama itself (paloalto_url)"
            elif pano.is_ha_pair:
                problem = f"{fw.panorama}.yaml names two peers; name one Panorama's URL"
            if problem is not None or pano is None:
                allowed = "the file stem of the Panorama's firewall profile, e.g. fw_panorama"
                self.fw_problems.setdefault(name, []).append(
                    Problem(str(fw.source), "paloalto_panorama", problem or "", allowed)
                )
                continue
            update: dict[str, object] = {"resolved_panorama": pano}
            if fw.commit_user is None and fw.url is None:
                # every change goes through Panorama, so it belongs to Panorama's admin
                update["commit_user"] = pano.commit_user
            firewalls[name] = fw.model_copy(update=update)

    def profiles(
        self,
        paths: list[Path],
        firewalls: dict[str, FirewallProfile],
        credentials: Mapping[str, object],
    ) -> tuple[dict[str, CertificateProfile], dict[str, list[Problem]], dict[str, Path]]:
        valid: dict[str, CertificateProfile] = {}
        broken: dict[str, list[Problem]] = {}
        files: dict[str, Path] = {}
        for path in paths:
            name = profile_name(path.name)
            if name in files:
                broken.setdefault(name, []).append(
                    Problem(
                        str(path),
                        "",
                        f"same profile name as {files[name].name}",
                        "one file per profile name",
                    )
                )
                continue
            files[name] = path
            problems = self._profile_problems(path, name)
            profile = None
            if not problems:
                try:
                    doc = self._read(path, CertificateProfile)
                    profile, problems = self._model(
                        CertificateProfile, doc.data, path, {"name": name, "source": path}
                    )
                except ConfigError as exc:
                    doc, problems = None, exc.problems
                if doc is not None and isinstance(doc.data, Mapping):
                    fws, label = _raw_references(doc.data)
                    problems += self._references(path, fws, label, firewalls, credentials)
                    problems += _panorama_name(path, name, fws, firewalls)
            if profile is not None and profile.key_type == "EC" and profile.key_size == 521:
                self.warnings.append(
                    f"{path}: sectigo_csr_key_size: PAN-OS may not generate EC 521 keys on "
                    "the firewall; 384 is the safe choice"
                )
            if problems or profile is None:
                broken.setdefault(name, []).extend(problems)
            else:
                valid[name] = profile
        for name in [
            n
            for n in broken
            if n in valid and any(p.message.startswith("same profile name as") for p in broken[n])
        ]:
            # two files, one name: which one the user means is unknowable, so neither runs
            valid.pop(name)
            broken[name].append(
                Problem(
                    str(files[name]),
                    "",
                    "another file has the same profile name; neither is processed",
                    "one file per profile name",
                )
            )
        for name, problems in _binding_claims(valid).items():
            broken.setdefault(name, []).extend(problems)
            valid.pop(name)
        return valid, broken, files

    def _profile_problems(self, path: Path, name: str) -> list[Problem]:
        why = check_profile_name(name)
        return (
            [
                Problem(
                    str(path),
                    "(file name)",
                    f"{name!r}: {why}",
                    "≤ 54 characters of A-Z a-z 0-9 . _ -",
                )
            ]
            if why
            else []
        )

    def _references(
        self,
        path: Path,
        firewall_names: tuple[str, ...],
        label: str | None,
        firewalls: dict[str, FirewallProfile],
        credentials: Mapping[str, object],
    ) -> list[Problem]:
        """Problems of the firewall profiles and credential a profile names (checked even
        when the profile itself is invalid, so one run lists everything)."""
        file = str(path)
        problems: list[Problem] = []
        for fw in firewall_names:
            if fw in self.fw_problems:
                problems.extend(self.fw_problems[fw])
            elif fw not in firewalls:
                known = ", ".join(sorted(firewalls)) or "none found"
                problems.append(
                    Problem(file, "paloalto_fw_profile", f"no firewall profile {fw}.yaml", known)
                )
        if label is None:
            return problems
        if self.cred_file_problems:
            problems.extend(self.cred_file_problems)
        elif label in self.cred_problems:
            problems.extend(self.cred_problems[label])
        elif label not in credentials:
            known = ", ".join(sorted(credentials)) or f"none: no {CREDENTIALS_FILE}"
            problems.append(
                Problem(file, "scm_credential_detail", f"no credential labelled {label!r}", known)
            )
        return problems

    def all_problems(self, broken: dict[str, list[Problem]]) -> list[Problem]:
        ordered = [*self.cred_file_problems]
        for group in (*self.cred_problems.values(), *self.fw_problems.values(), *broken.values()):
            ordered.extend(group)
        return list(dict.fromkeys(ordered))


def ca_bundle_problem(path: Path | None) -> str | None:
    """Why ``path`` cannot serve as a CA bundle, or None. Checked here, offline, because the
    TLS library's own failure at connect time names neither the file nor the field."""
    if path is None:
        return None
    try:
        if not path.is_file():
            return f"{path} is not a file"
        with path.open("rb") as handle:
            raw = handle.read(MAX_BUNDLE_BYTES + 1)
    except OSError as exc:
        return f"{path}: cannot read: {exc.strerror or exc}"
    if len(raw) > MAX_BUNDLE_BYTES:
        return f"{path} is larger than {MAX_BUNDLE_BYTES // 1024 // 1024} MiB"
    if b"PRIVATE KEY-----" in raw:
        return f"{path} holds a private key; a CA bundle holds certificates only (remove the key)"
    try:
        found = x509.load_pem_x509_certificates(raw)
    except ValueError:
        found = []
    if not found:
        return f"{path} holds no PEM certificate" + (" (it is empty)" if not raw.strip() else "")
    return None


def _raw_references(data: Mapping[Any, Any]) -> tuple[tuple[str, ...], str | None]:
    """The firewall names and credential label a profile file gives, read leniently."""
    lowered = {str(k).strip().lower(): v for k, v in data.items()}
    names = lowered.get("paloalto_fw_profile")
    if isinstance(names, str):
        names = names.split(",")
    firewalls = tuple(
        re.sub(r"\.ya?ml$", "", str(n).strip(), flags=re.IGNORECASE)
        for n in (names if isinstance(names, list) else [])
        if str(n).strip()
    )
    label = lowered.get("scm_credential_detail")
    return firewalls, (str(label).strip() if isinstance(label, str | int) and label != "" else None)


PANORAMA_PROFILE_NAME = 22
"""Panorama names stop at 31 characters; rotated objects add ``-`` and 8 characters."""


def _panorama_name(
    path: Path, name: str, names: tuple[str, ...], firewalls: dict[str, FirewallProfile]
) -> list[Problem]:
    proxied = [n for n in names if n in firewalls and firewalls[n].panorama is not None]
    if not proxied or len(name) <= PANORAMA_PROFILE_NAME:
        return []
    return [
        Problem(
            str(path),
            "(file name)",
            f"{name!r}: {len(name)} characters is too long for Panorama ({proxied[0]} is "
            "reached through Panorama, whose object names stop at 31 characters)",
            f"≤ {PANORAMA_PROFILE_NAME} characters when a firewall is behind Panorama",
        )
    ]


def _binding_claims(profiles: dict[str, CertificateProfile]) -> dict[str, list[Problem]]:
    """One SSL/TLS profile or decryption rule on one firewall has one owner; when two
    profiles claim it, neither may rebind it (who would win is not for pancert to guess)."""
    claims: dict[tuple[str, str, str], list[str]] = {}
    for name, profile in profiles.items():
        for fw in profile.firewall_profiles:
            for binding in profile.bindings:
                key = (fw, binding.kind, binding.name)
                claims.setdefault(key, []).append(name)
    problems: dict[str, list[Problem]] = {}
    for (fw, kind, target), owners in claims.items():
        if len(owners) < 2:
            continue
        for owner in owners:
            others = ", ".join(o for o in owners if o != owner)
            problems.setdefault(owner, []).append(
                Problem(
                    str(profiles[owner].source),
                    "paloalto_bindings",
                    f"{kind} {target!r} on {fw} is also claimed by {others}",
                    "one certificate profile per binding",
                )
            )
    return problems
