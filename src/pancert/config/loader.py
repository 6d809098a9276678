"""Find config.yaml, read every profile next to it, and validate them all in one pass.

Problems in config.yaml itself stop everything (:class:`~pancert.errors.ConfigError` with all
of them). Problems in one certificate profile, firewall profile or credential are collected
instead: the profiles they touch are set aside in :attr:`LoadedConfig.broken_profiles` and the
rest proceed (docs/architecture.md, "Bad input"). Unknown keys only warn.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from pancert.config._cache import DocumentCache
from pancert.config._reader import CREDENTIALS_FILE, Reader, ca_bundle_problem
from pancert.config.acme import AcmeCredential
from pancert.config.fields import prepare, problems_from, profile_name
from pancert.config.models import AppConfig, FirewallProfile, ScmCredential
from pancert.config.profile import CertificateProfile
from pancert.config.resolved import ResolvedProfile, resolve
from pancert.config.yamlio import read_document
from pancert.errors import ConfigError, Problem, UsageError
from pancert.redaction import register_secret

__all__ = ["CONFIG_ENV", "CREDENTIALS_FILE", "LoadedConfig", "discover_config", "load_config"]

CONFIG_ENV = "sectigo_pycert_config"


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
    acme_credentials: dict[str, AcmeCredential] = field(default_factory=dict)
    """``kind: acme`` labels of the credentials file (RFC 8555 accounts)."""

    @property
    def state_path(self) -> Path:
        return self.app.state_path

    def _resolve(self, name: str) -> str:
        path = Path(name)
        stem = profile_name(path.name)
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

    def resolved(self, names: Iterable[str] | None) -> list[ResolvedProfile]:
        """The selected valid profiles, resolved for the lifecycle (see :meth:`select_profiles`)."""
        return [resolve(p, self.firewalls) for p in self.select_profiles(names).values()]

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
        # ACME account keys (pancert.acme.account) are secrets of the same kind
        sources.update((self.state_path / "acme" / "accounts").glob("*.yaml"))
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
    # resolving every name costs a system call per path component: only a file that is the
    # same inode as config.yaml can resolve to it
    config_file, config_id = path.resolve(), _file_id(path)
    files = [p for p in files if _file_id(p) != config_id or p.resolve() != config_file]
    documents = DocumentCache(app.state_path)
    reader = Reader(app, warnings, documents)
    cred_path = next((p for p in files if p.name.lower() == CREDENTIALS_FILE), None)
    credentials = reader.credentials(cred_path)
    firewalls = {}
    for fw_path in (p for p in files if p.name.lower().startswith("fw_")):
        firewall = reader.firewall(fw_path)
        if firewall is not None:
            firewalls[firewall.name] = firewall
    reader.link_panoramas(firewalls)
    profile_paths = [p for p in files if p != cred_path and not p.name.lower().startswith("fw_")]
    labels = {**credentials, **reader.acme_credentials}
    profiles, broken, profile_files = reader.profiles(profile_paths, firewalls, labels)
    documents.save()
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
        acme_credentials=reader.acme_credentials,
    )


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _load_app(path: Path, warnings: list[str]) -> AppConfig:
    doc = read_document(path)
    raw = doc.data
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
    why = ca_bundle_problem(app.scm_ca_bundle)
    if why:
        problems.append(
            Problem(str(path), "sectigo_ca_bundle", why, "a PEM file with the CA of SCM's TLS")
        )
    problems += [Problem(str(path), *found) for found in app.ops_problems()]
    if problems:
        raise ConfigError(problems)
    for secret in app.ops_secrets():
        register_secret(secret.get_secret_value())
    exposed = os.name == "posix" and path.stat().st_mode & 0o077
    if app.ops_secrets() and not doc.encrypted and (exposed or app.encrypt_credentials):
        warnings.append(
            f"{path}: holds an alert secret in plaintext; `chmod 600` it, or encrypt "
            "pancert_alert_smtp_password and pancert_alert_webhook_url with sops (README)"
        )
    if app.encrypt_credentials and not (app.gnu_keys or app.age_recipients):
        warnings.append(
            f"{path}: sectigo_encrypt_credentials: true, but neither sectigo_gnu_key nor "
            "pancert_age_recipients is set, so `pancert encrypt` has no recipient"
        )
    return app
