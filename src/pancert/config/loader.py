"""Find config.yaml, read every profile next to it, and validate them all in one pass.

Problems in config.yaml itself stop everything (:class:`~pancert.errors.ConfigError` with all
of them). Problems in one certificate profile, firewall profile or credential are collected
instead: the profiles they touch are set aside in :attr:`LoadedConfig.broken_profiles` and the
rest proceed (ARCHITECTURE.md §5 rule 4). Unknown keys only warn.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, SecretStr, ValidationError

from pancert.config.fields import prepare, problems_from
from pancert.config.models import AppConfig, FirewallProfile, ScmCredential
from pancert.config.profile import CertificateProfile, check_profile_name
from pancert.config.yamlio import read_document
from pancert.errors import ConfigError, Problem, UsageError
from pancert.redaction import register_secret

__all__ = ["CONFIG_ENV", "CREDENTIALS_FILE", "LoadedConfig", "discover_config", "load_config"]

CONFIG_ENV = "sectigo_pycert_config"
CREDENTIALS_FILE = "sectigo_credentials.yaml"
PLAINTEXT = "secret stored in plaintext while sectigo_encrypt_credentials is true"
_M = TypeVar("_M", bound=BaseModel)


def discover_config(config_path: str | None, environ: Mapping[str, str]) -> tuple[Path, list[str]]:
    """``--config PATH``, else ``$sectigo_pycert_config``, else ``./config.yaml``.

    An explicit ``--config`` never falls back: a typo must not silently pick another file.
    Returns the path and warnings; a miss raises ConfigError listing every path tried.
    """
    if config_path:
        candidates = [(Path(config_path), "--config")]
    else:
        candidates = []
        if environ.get(CONFIG_ENV):
            candidates.append((Path(environ[CONFIG_ENV]), f"${CONFIG_ENV}"))
        candidates.append((Path("config.yaml"), "the current folder"))
    tried: list[str] = []
    for path, origin in candidates:
        for candidate in (path / "config.yaml", path) if path.is_dir() else (path,):
            if candidate.is_file():
                warnings = [f"{p}: not found, using {candidate}" for p in tried]
                return candidate.absolute(), warnings
            tried.append(f"{candidate} (from {origin})")
    raise ConfigError(
        [
            Problem(
                "config.yaml",
                "",
                "not found; tried " + ", ".join(tried),
                f"--config PATH, ${CONFIG_ENV}, or config.yaml in the current folder",
            )
        ]
    )


@dataclass(frozen=True)
class LoadedConfig:
    """Everything pancert read, validated, with every problem and warning found."""

    config_path: Path
    app: AppConfig
    profiles: dict[str, CertificateProfile]
    """Valid certificate profiles by name (the file stem)."""
    firewalls: dict[str, FirewallProfile]
    """Firewall profiles by file stem; a firewall whose file has problems may still be here
    (e.g. without an API key) but every profile using it is broken."""
    credentials: dict[str, ScmCredential]
    problems: list[Problem] = field(default_factory=list)
    broken_profiles: dict[str, list[Problem]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    profile_files: dict[str, Path] = field(default_factory=dict)
    """Every certificate profile file found, valid or broken, by name."""
    credentials_path: Path | None = None

    @property
    def state_path(self) -> Path:
        return self.app.state_path

    def _resolve(self, name: str) -> str:
        path = Path(name)
        stem = path.name
        for suffix in (".yaml", ".yml"):
            if stem.lower().endswith(suffix):
                stem = stem[: -len(suffix)]
        if path.parent != Path() and path.parent.resolve() != self.app.cert_profile_path.resolve():
            raise UsageError(
                f"-p {name}: certificate profiles live in {self.app.cert_profile_path}",
            )
        if stem in self.profile_files:
            return stem
        if stem in self.firewalls or stem.startswith("fw_") or path.name == CREDENTIALS_FILE:
            raise UsageError(f"-p {name}: that is not a certificate profile")
        known = ", ".join(sorted(self.profile_files)) or "none"
        raise UsageError(
            f"-p {name}: no certificate profile {stem}.yaml in {self.app.cert_profile_path} "
            f"(profiles: {known})"
        )

    def resolve_names(self, names: Iterable[str] | None) -> list[str]:
        """Profile names for ``-p`` values (every profile file's name when none are given)."""
        return [self._resolve(n) for n in names or ()] or sorted(self.profile_files)

    def select_profiles(self, names: Iterable[str] | None) -> dict[str, CertificateProfile]:
        """The valid profiles that ``-p`` names (all when ``names`` is empty or None).

        ``-p`` takes ``web``, ``web.yaml`` or a path to a file in ``cert_profile_path``; an
        unknown one raises UsageError. Broken profiles are left out: report them with
        :meth:`problems_for`, so a run still processes the others.
        """
        return {n: self.profiles[n] for n in self.resolve_names(names) if n in self.profiles}

    def problems_for(self, names: Iterable[str] | None) -> list[Problem]:
        """The problems that concern the selected profiles (every problem when all are)."""
        selected = [self._resolve(n) for n in names or ()]
        if not selected:
            return list(self.problems)
        found: list[Problem] = []
        for name in selected:
            found.extend(p for p in self.broken_profiles.get(name, []) if p not in found)
        return found

    def secret_files_for(self, names: Iterable[str] | None) -> list[Path]:
        """Files holding secrets that the selected profiles use (for encrypt/decrypt)."""
        selected = [self._resolve(n) for n in names or ()]
        if selected:
            sources = {
                self.firewalls[f].source
                for n in selected
                if n in self.profiles
                for f in self.profiles[n].firewall_profiles
                if f in self.firewalls
            }
        else:
            sources = {fw.source for fw in self.firewalls.values()}
        if self.credentials_path is not None:
            sources.add(self.credentials_path)
        return sorted(sources)


def load_config(
    config_path: str | None, *, environ: Mapping[str, str] | None = None
) -> LoadedConfig:
    """Discover, read and validate config.yaml and every profile beside it.

    Registers every configured secret with :mod:`pancert.redaction` before returning.
    """
    env = os.environ if environ is None else environ
    path, warnings = discover_config(config_path, env)
    app = _load_app(path, warnings)
    folder = app.cert_profile_path
    if not folder.is_dir():
        raise ConfigError(
            [
                Problem(
                    str(path),
                    "cert_profile_path",
                    f"{folder} is not a folder",
                    "an existing folder",
                )
            ]
        )
    files = sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in (".yaml", ".yml") and not p.name.startswith(".") and p.is_file()
    )
    files = [p for p in files if p.resolve() != path.resolve()]
    reader = _Reader(app, warnings)
    cred_path = next((p for p in files if p.name.lower() == CREDENTIALS_FILE), None)
    credentials = reader.credentials(cred_path)
    firewalls = {}
    for fw_path in (p for p in files if p.name.lower().startswith("fw_")):
        firewall = reader.firewall(fw_path)
        if firewall is not None:
            firewalls[firewall.name] = firewall
    profile_paths = [p for p in files if p != cred_path and not p.name.lower().startswith("fw_")]
    profiles, broken, profile_files = reader.profiles(profile_paths, firewalls, credentials)
    return LoadedConfig(
        config_path=path,
        app=app,
        profiles=profiles,
        firewalls=firewalls,
        credentials=credentials,
        problems=reader.all_problems(broken),
        broken_profiles=broken,
        warnings=warnings,
        profile_files=profile_files,
        credentials_path=cred_path,
    )


def _load_app(path: Path, warnings: list[str]) -> AppConfig:
    raw = read_document(path).data
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigError([Problem(str(path), "", "must be a mapping of keys to values")])
    data, found, problems = prepare(raw, AppConfig, str(path))
    warnings.extend(found)
    try:
        app = AppConfig.model_validate(data, context={"base": path.parent})
    except ValidationError as exc:
        raise ConfigError(problems + problems_from(exc, str(path))) from None
    if problems:
        raise ConfigError(problems)
    if app.encrypt_credentials and not (app.gnu_key or app.age_recipients):
        warnings.append(
            f"{path}: sectigo_encrypt_credentials: true, but neither sectigo_gnu_key nor "
            "pancert_age_recipients is set, so `pancert encrypt` has no recipient"
        )
    return app


class _Reader:
    """Accumulates problems per file and per firewall/credential while reading."""

    def __init__(self, app: AppConfig, warnings: list[str]) -> None:
        self.app = app
        self.warnings = warnings
        self.file_problems: list[Problem] = []
        self.fw_problems: dict[str, list[Problem]] = {}
        self.cred_problems: dict[str, list[Problem]] = {}
        self.cred_file_problems: list[Problem] = []

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
        for value in obj.model_dump().values():
            if isinstance(value, SecretStr):
                register_secret(value.get_secret_value())
        return (obj if not problems else None), problems

    def credentials(self, path: Path | None) -> dict[str, ScmCredential]:
        if path is None:
            return {}
        try:
            doc = read_document(path, gnupg_home=self.app.gnupg_home)
        except ConfigError as exc:
            self.cred_file_problems = exc.problems
            return {}
        raw = {} if doc.data is None else doc.data
        if not isinstance(raw, Mapping):
            self.cred_file_problems = [Problem(str(path), "", "must map labels to credentials")]
            return {}
        found: dict[str, ScmCredential] = {}
        for label, body in raw.items():
            if str(label) == "sops":
                continue
            extra = {"label": str(label), "source": path}
            cred, problems = self._model(ScmCredential, body, path, extra, str(label))
            if cred is not None and self.app.encrypt_credentials and not doc.encrypted:
                problems.append(Problem(str(path), str(label), PLAINTEXT, "run `pancert encrypt`"))
            if problems:
                self.cred_problems[str(label)] = problems
            elif cred is not None:
                found[cred.label] = cred
        return found

    def firewall(self, path: Path) -> FirewallProfile | None:
        name = path.stem
        try:
            doc = read_document(path, gnupg_home=self.app.gnupg_home)
        except ConfigError as exc:
            self.fw_problems[name] = exc.problems
            return None
        fw, problems = self._model(FirewallProfile, doc.data, path, {"name": name, "source": path})
        if fw is not None:
            if fw.api_key is None:
                problems.append(
                    Problem(str(path), "paloalto_api_key", "required", "the firewall's XML API key")
                )
            elif self.app.encrypt_credentials and not doc.encrypted:
                problems.append(
                    Problem(str(path), "paloalto_api_key", PLAINTEXT, "run `pancert encrypt`")
                )
            if fw.tls_insecure:
                self.warnings.append(
                    f"{path}: paloalto_tls_insecure: TLS verification is OFF "
                    "for this firewall; prefer paloalto_ca_bundle or a pin"
                )
        if problems:
            self.fw_problems[name] = problems
        return fw

    def profiles(
        self,
        paths: list[Path],
        firewalls: dict[str, FirewallProfile],
        credentials: dict[str, ScmCredential],
    ) -> tuple[dict[str, CertificateProfile], dict[str, list[Problem]], dict[str, Path]]:
        valid: dict[str, CertificateProfile] = {}
        broken: dict[str, list[Problem]] = {}
        files: dict[str, Path] = {}
        for path in paths:
            name = path.stem
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
                    doc = read_document(path, gnupg_home=self.app.gnupg_home)
                    profile, problems = self._model(
                        CertificateProfile, doc.data, path, {"name": name, "source": path}
                    )
                except ConfigError as exc:
                    doc, problems = None, exc.problems
                if doc is not None and isinstance(doc.data, Mapping):
                    fws, label = _raw_references(doc.data)
                    problems += self._references(path, fws, label, firewalls, credentials)
            if profile is not None and profile.key_type == "EC" and profile.key_size == 521:
                self.warnings.append(
                    f"{path}: sectigo_csr_key_size: PAN-OS may not generate EC 521 keys on "
                    "the firewall; 384 is the safe choice"
                )
            if problems or profile is None:
                broken.setdefault(name, []).extend(problems)
            else:
                valid[name] = profile
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
        credentials: dict[str, ScmCredential],
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
