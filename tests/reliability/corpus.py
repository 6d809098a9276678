"""The bad-input corpus: one broken thing per case, beside one good profile.

Every case names the files it writes into the profile folder (text, a function of the
running :class:`Case`, or None to delete), the exit codes ``validate`` and ``renew`` must
give (file/field problems 2; credentials, reachability, TLS and untrustworthy certificates
1), and a pattern the message must match: the file and field, or the call.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML

from pancert.sandbox.world import ProfileSpec

from .harness import Case
from .tampering import encrypted

Content = str | None | Callable[[Case], str]
DROP = object()

GOOD = ProfileSpec(name="good", common_name="good.example.com", key_type="EC", key_size=256)
BAD = ProfileSpec(
    name="bad",
    common_name="bad.example.com",
    sans=("bad.example.com", "alt.bad.example.com"),
    key_type="EC",
    key_size=256,
)


def dump(data: Any) -> str:
    yaml = YAML()
    yaml.default_flow_style = False
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def profile(spec: ProfileSpec = BAD, **changes: Any) -> str:
    data = spec.as_yaml()
    for key, value in changes.items():
        if value is DROP:
            data.pop(key, None)
        else:
            data[key] = value
    return dump(data)


def firewall(**changes: Any) -> Callable[[Case], str]:
    """fw_bad.yaml: a copy of fw_sandbox1.yaml with changes (the same sandbox firewall)."""

    def write(case: Case) -> str:
        yaml = YAML()
        data = dict(yaml.load((case.config_folder / "profiles" / "fw_sandbox1.yaml").read_text()))
        for key, value in changes.items():
            if value is DROP:
                data.pop(key, None)
            else:
                data[key] = value
        return dump(data)

    return write


def with_credential(label: str, **body: Any) -> Callable[[Case], str]:
    """The world's credentials file plus one more label."""

    def write(case: Case) -> str:
        path = case.config_folder / "profiles" / "sectigo_credentials.yaml"
        creds = case.world.scm.credentials
        base = {"sectigo_cm_user_id": creds.enroll_client_id}
        return path.read_text() + dump({label: {**base, **body}})

    return write


def config_with(**changes: Any) -> Callable[[Case], str]:
    def write(case: Case) -> str:
        data = dict(YAML().load((case.config_folder / "config.yaml").read_text()))
        data.update(changes)
        return dump(data)

    return write


def _uses_bad_fw() -> str:
    return profile(paloalto_fw_profile="fw_bad")


@dataclass(frozen=True)
class Bad:
    id: str
    files: dict[str, Content]
    code: int
    names: str
    """Regex the renew (and, for code 2, validate) output must match."""
    good: bool = True
    """The good profile still converges in the same run."""
    validate_code: int | None = None
    """Expected ``validate`` exit; default: 2 for code 2, 0 otherwise."""
    tamper: str | None = None
    """How the sandbox CA mis-issues ``bad.example.com`` (see :class:`.tampering.MisIssuingCA`)."""
    args: tuple[str, ...] = ()
    never: str | None = "bad"
    """The profile that must never get a certificate onto a firewall."""


P = "bad.yaml"
F = "fw_bad.yaml"


def _field_cases() -> list[Bad]:
    """A certificate profile with one wrong field: exit 2 naming bad.yaml and the field."""
    fields: list[tuple[str, dict[str, Any], str]] = [
        ("missing-domain", {"sectigo_csr_domain": DROP}, "sectigo_csr_domain"),
        ("key-type-dsa", {"sectigo_csr_key_type": "DSA"}, "sectigo_csr_key_type"),
        ("key-size-text", {"sectigo_csr_key_size": "big"}, "sectigo_csr_key_size"),
        (
            "rsa-1024",
            {"sectigo_csr_key_type": "RSA", "sectigo_csr_key_size": 1024},
            "sectigo_csr_key_size",
        ),
        ("ec-300", {"sectigo_csr_key_size": 300}, "sectigo_csr_key_size"),
        ("window-negative", {"sectigo_expiry_window": -1}, "sectigo_expiry_window"),
        ("window-too-long", {"sectigo_expiry_window": 1000}, "sectigo_expiry_window"),
        ("force-maybe", {"sectigo_force_renewal": "maybe"}, "sectigo_force_renewal"),
        ("auto-renew-3", {"sectigo_auto_renew": 3}, "sectigo_auto_renew"),
        ("unknown-credential", {"scm_credential_detail": "NOPE"}, "scm_credential_detail"),
        ("unknown-firewall", {"paloalto_fw_profile": "fw_nope"}, "paloalto_fw_profile"),
        ("no-firewall", {"paloalto_fw_profile": []}, "paloalto_fw_profile"),
        ("bad-domain", {"sectigo_csr_domain": "not a domain!"}, "sectigo_csr_domain"),
        (
            "bad-san",
            {"sectigo_ssl_cert_subject_alt_names": "ok.example.com,bad name"},
            "sectigo_ssl_cert_subject_alt_names",
        ),
        ("allow-management", {"paloalto_allow_management": "sure"}, "paloalto_allow_management"),
        ("validity-zero", {"sectigo_ssl_cert_validity": 0}, "sectigo_ssl_cert_validity"),
        ("org-id-text", {"sectigo_cm_org_id": "abc"}, "sectigo_cm_org_id"),
        ("country-3", {"sectigo_csr_country": "GBR"}, "sectigo_csr_country"),
        ("organization-long", {"sectigo_csr_organization": "O" * 65}, "sectigo_csr_organization"),
        ("email", {"sectigo_csr_email_address": "not-an-email"}, "sectigo_csr_email_address"),
        (
            "custom-fields-list",
            {"sectigo_ssl_cert_custom_fields": ["a", "b"]},
            "sectigo_ssl_cert_custom_fields",
        ),
        ("binding-kind", {"paloalto_bindings": [{"teleporter": "x"}]}, "paloalto_bindings"),
        ("binding-shape", {"paloalto_bindings": "web-tls"}, "paloalto_bindings"),
        ("location", {"paloalto_location": "vsys 1; rm"}, "paloalto_location"),
        ("num-servers", {"sectigo_ssl_cert_num_servers": -3}, "sectigo_ssl_cert_num_servers"),
        ("wildcard-mid", {"sectigo_csr_domain": "a.*.example.com"}, "sectigo_csr_domain"),
    ]
    return [
        Bad(f"profile-{name}", {P: profile(**changes)}, 2, rf"bad\.yaml.*{field}|{field}.*bad")
        for name, changes, field in fields
    ]


def _file_cases() -> list[Bad]:
    long_name = "x" * 60
    return [
        Bad("yaml-syntax", {P: "sectigo_csr_domain: [unclosed\n"}, 2, r"bad\.yaml"),
        Bad("yaml-tab", {P: "a:\n\tb: 1\n"}, 2, r"bad\.yaml"),
        Bad("yaml-list", {P: "- one\n- two\n"}, 2, r"bad\.yaml.*mapping"),
        Bad("yaml-scalar", {P: "just text\n"}, 2, r"bad\.yaml"),
        Bad("yaml-duplicate-key", {P: profile() + "sectigo_csr_key_size: 384\n"}, 2, r"bad\.yaml"),
        Bad("not-utf8", {P: "sectigo_csr_domain: \udcff\n"}, 2, r"bad\.yaml"),
        Bad("empty-profile", {P: ""}, 2, r"bad\.yaml"),
        Bad(
            "duplicate-name",
            {P: profile(), "bad.yml": profile()},
            2,
            r"bad\.y.?ml.*(duplicate|twice|both|same)|(duplicate|twice|both|same).*bad",
        ),
        Bad(
            "duplicate-binding",
            {
                P: profile(paloalto_bindings=[{"ssl_tls_service_profile": "web-tls"}]),
                "bad2.yaml": profile(
                    paloalto_bindings=[{"ssl_tls_service_profile": "web-tls"}],
                    sectigo_csr_domain="bad2.example.com",
                ),
            },
            2,
            r"web-tls",
        ),
        Bad("name-too-long", {f"{long_name}.yaml": profile()}, 2, long_name),
        Bad(
            "fw-yaml-syntax",
            {F: "paloalto_url: [\n", P: _uses_bad_fw()},
            2,
            r"fw_bad\.yaml",
        ),
        Bad(
            "fw-http",
            {F: firewall(paloalto_url="http://localhost:1"), P: _uses_bad_fw()},
            2,
            r"fw_bad\.yaml.*paloalto_url",
        ),
        Bad(
            "fw-path",
            {F: firewall(paloalto_url="https://localhost:1/php/login"), P: _uses_bad_fw()},
            2,
            r"fw_bad\.yaml.*paloalto_url",
        ),
        Bad(
            "fw-no-key",
            {F: firewall(paloalto_api_key=DROP), P: _uses_bad_fw()},
            2,
            r"fw_bad\.yaml.*paloalto_api_key",
        ),
        Bad(
            "fw-fingerprint-form",
            {F: firewall(paloalto_tls_fingerprint="abc"), P: _uses_bad_fw()},
            2,
            r"fw_bad\.yaml.*paloalto_tls_fingerprint",
        ),
        Bad(
            "fw-insecure-text",
            {F: firewall(paloalto_tls_insecure="yes please"), P: _uses_bad_fw()},
            2,
            r"fw_bad\.yaml.*paloalto_tls_insecure",
        ),
        Bad(
            "fw-missing-bundle",
            {F: firewall(paloalto_ca_bundle="/nonexistent/ca.pem"), P: _uses_bad_fw()},
            2,
            r"fw_bad\.yaml.*paloalto_ca_bundle",
        ),
        Bad("fw-list", {F: "- a\n", P: _uses_bad_fw()}, 2, r"fw_bad\.yaml"),
        Bad(
            "encrypted-unknown-key",
            {F: encrypted(firewall(), known_key=False, tamper_mac=False), P: _uses_bad_fw()},
            2,
            r"fw_bad\.yaml",
        ),
        Bad(
            "encrypted-tampered-mac",
            {F: encrypted(firewall(), known_key=True, tamper_mac=True), P: _uses_bad_fw()},
            2,
            r"fw_bad\.yaml.*(MAC|mac)",
        ),
        Bad(
            "credential-no-secret",
            {
                "sectigo_credentials.yaml": with_credential("BADCRED"),
                P: profile(scm_credential_detail="BADCRED"),
            },
            2,
            r"BADCRED",
        ),
        Bad(
            "credential-org-text",
            {
                "sectigo_credentials.yaml": with_credential(
                    "BADCRED", sectigo_cm_user_secret="x", sectigo_cm_org_id="abc"
                ),
                P: profile(scm_credential_detail="BADCRED"),
            },
            2,
            r"BADCRED.*sectigo_cm_org_id|sectigo_cm_org_id",
        ),
        Bad(
            "credentials-syntax",
            {"sectigo_credentials.yaml": "x: [\n"},
            2,
            r"sectigo_credentials\.yaml",
            good=False,
        ),
        Bad(
            "credentials-list",
            {"sectigo_credentials.yaml": "- a\n"},
            2,
            r"sectigo_credentials\.yaml",
            good=False,
        ),
    ]


def _config_cases() -> list[Bad]:
    """config.yaml itself is broken: nothing can run; exit 2 naming config.yaml and field."""
    fields: list[tuple[str, dict[str, Any], str]] = [
        ("scm-http", {"sectigo_scm_url": "http://localhost:1"}, "sectigo_scm_url"),
        ("log-level", {"sectigo_log_level": "LOUD"}, "sectigo_log_level"),
        ("profile-path", {"cert_profile_path": "/nonexistent/profiles"}, "cert_profile_path"),
        ("sleep-negative", {"sectigo_sleep_download": -1}, "sectigo_sleep_download"),
        ("parallel-zero", {"pancert_max_parallel_firewalls": 0}, "pancert_max_parallel_firewalls"),
        ("log-size-zero", {"sectigo_log_size_mb": 0}, "sectigo_log_size_mb"),
        ("gnu-key", {"sectigo_gnu_key": "not-a-fingerprint"}, "sectigo_gnu_key"),
        ("age-recipient", {"pancert_age_recipients": "age1nope"}, "pancert_age_recipients"),
        ("scm-bundle-missing", {"sectigo_ca_bundle": "/nonexistent/scm.pem"}, "sectigo_ca_bundle"),
        ("commit-timeout", {"paloalto_commit_timeout": 0}, "paloalto_commit_timeout"),
        ("encrypt-plaintext", {"sectigo_encrypt_credentials": True}, "plaintext"),
        ("log-file-escape", {"sectigo_log_file": "../../x.log"}, "sectigo_log_file"),
        ("log-file-absolute", {"sectigo_log_file": "/tmp/pancert-x.log"}, "sectigo_log_file"),
    ]
    cases = [
        Bad(
            f"config-{name}",
            {"../config.yaml": config_with(**changes)},
            2,
            rf"config\.yaml.*{field}|{field}",
            good=False,
        )
        for name, changes, field in fields
    ]
    cases += [
        Bad("config-syntax", {"../config.yaml": "a: [\n"}, 2, r"config\.yaml", good=False),
        Bad("config-missing", {"../config.yaml": None}, 2, r"config\.yaml", good=False),
        Bad("cli-unknown-profile", {}, 2, r"nope", good=False, args=("-p", "nope")),
    ]
    return cases


def _runtime_cases() -> list[Bad]:
    """Readable configuration, but the world says no: exit 1 naming the call; good proceeds."""
    return [
        Bad(
            "wrong-api-key",
            {F: firewall(paloalto_api_key="not-the-key"), P: _uses_bad_fw()},
            1,
            r"fw_bad.*(403|credentials|key)",
            validate_code=0,
        ),
        Bad(
            "unreachable-firewall",
            {F: firewall(paloalto_url="https://localhost:1"), P: _uses_bad_fw()},
            1,
            r"fw_bad.*localhost:1",
            validate_code=0,
        ),
        Bad(
            "tls-untrusted",
            {F: firewall(paloalto_ca_bundle=DROP), P: _uses_bad_fw()},
            1,
            r"fw_bad.*(TLS|certificate|verif)",
            validate_code=0,
        ),
        Bad(
            "tls-pin-mismatch",
            {
                F: firewall(paloalto_ca_bundle=DROP, paloalto_tls_fingerprint="AB" * 32),
                P: _uses_bad_fw(),
            },
            1,
            r"fw_bad.*(fingerprint|pin)",
            validate_code=0,
        ),
        Bad(
            "wrong-oauth-secret",
            {
                "sectigo_credentials.yaml": with_credential(
                    "BADCRED", sectigo_cm_user_secret="wrong-secret-1234567"
                ),
                P: profile(scm_credential_detail="BADCRED"),
            },
            1,
            r"bad on fw_sandbox1.*(401|invalid_client|credentials|OAuth|token)",
            validate_code=0,
        ),
        Bad(
            "cert-other-key",
            {P: profile()},
            1,
            r"bad on fw_sandbox1.*verify order",
            tamper="other-key",
            validate_code=0,
        ),
        Bad(
            "cert-untrusted-chain",
            {P: profile()},
            1,
            r"bad on fw_sandbox1.*verify order",
            tamper="untrusted",
            validate_code=0,
        ),
        Bad(
            "cert-missing-name",
            {P: profile()},
            1,
            r"bad on fw_sandbox1.*verify order",
            tamper="missing-name",
            validate_code=0,
        ),
        Bad(
            "cert-extra-name",
            {P: profile()},
            1,
            r"bad on fw_sandbox1.*verify order",
            tamper="extra-name",
            validate_code=0,
        ),
        Bad(
            "cert-expired",
            {P: profile()},
            1,
            r"bad on fw_sandbox1.*verify order",
            tamper="expired",
            validate_code=0,
        ),
    ]


def _alias_bomb(levels: int = 9) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"l{level}: &l{level} [{refs}]")
    return profile() + "\n".join(lines) + "\n"


_KEY_PEM = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg7S8j3bXZ0pM9Vn4S\n"
    "-----END PRIVATE KEY-----\n"
)


def _hostile_cases() -> list[Bad]:
    """Values that once passed ``validate`` and stopped every firewall at run time, or made
    the YAML reader spend minutes and gigabytes: each is set aside with its file and field."""
    return [
        Bad(
            "binding-quote",
            {P: profile(paloalto_bindings=[{"ssl_tls_service_profile": "O'Brien-tls"}])},
            2,
            r"bad\.yaml.*paloalto_bindings.*O'Brien-tls",
        ),
        Bad(
            "binding-bracket",
            {P: profile(paloalto_bindings=[{"decryption_rule": "x'] | //*[@name='y"}])},
            2,
            r"bad\.yaml.*paloalto_bindings",
        ),
        Bad(
            "fw-url-empty",
            {F: firewall(paloalto_url=""), P: _uses_bad_fw()},
            2,
            r"fw_bad\.yaml.*paloalto_url.*empty",
        ),
        Bad(
            "fw-bundle-empty",
            {"empty.pem": "", F: firewall(paloalto_ca_bundle="empty.pem"), P: _uses_bad_fw()},
            2,
            r"fw_bad\.yaml.*paloalto_ca_bundle.*(empty|no PEM)",
        ),
        Bad(
            "fw-bundle-key",
            {"key.pem": _KEY_PEM, F: firewall(paloalto_ca_bundle="key.pem"), P: _uses_bad_fw()},
            2,
            r"fw_bad\.yaml.*paloalto_ca_bundle.*private key",
        ),
        Bad(
            "fw-bundle-text",
            {
                "notes.pem": "not a certificate\n",
                F: firewall(paloalto_ca_bundle="notes.pem"),
                P: _uses_bad_fw(),
            },
            2,
            r"fw_bad\.yaml.*paloalto_ca_bundle.*no PEM",
        ),
        Bad(
            "yaml-deep-flow",
            {P: "sectigo_csr_domain: " + "[" * 3000 + "]" * 3000 + "\n"},
            2,
            r"bad\.yaml.*nested too deeply",
        ),
        Bad(
            "yaml-deep-block",
            {P: "".join("  " * i + f"k{i}:\n" for i in range(40)) + "  " * 40 + "x: 1\n"},
            2,
            r"bad\.yaml.*nested too deeply",
        ),
        Bad("yaml-alias-bomb", {P: _alias_bomb()}, 2, r"bad\.yaml.*(aliases|expands)"),
        Bad(
            "yaml-many-aliases",
            {P: profile() + "a: &a x\nb: [" + ", ".join(["*a"] * 200) + "]\n"},
            2,
            r"bad\.yaml.*aliases",
        ),
        Bad(
            "yaml-huge",
            {P: profile() + ("# " + "x" * 1000 + "\n") * 2100},
            2,
            r"bad\.yaml.*larger than",
        ),
        Bad(
            "yaml-latin1",
            {
                P: profile(sectigo_csr_organization=DROP)
                + "sectigo_csr_organization: Soci\udce9t\udce9 G\udce9n\udce9rale\n"
            },
            2,
            r"bad\.yaml.*not UTF-8.*line \d+, column \d+",
        ),
        Bad(
            "credentials-latin1",
            {"sectigo_credentials.yaml": "SCMDV:\n  sectigo_cm_user_id: caf\udce9\n"},
            2,
            r"sectigo_credentials\.yaml.*not UTF-8.*line 2",
            good=False,
        ),
        Bad(
            "config-latin1",
            {
                "../config.yaml": lambda case: (
                    (case.config_folder / "config.yaml").read_text() + "# r\udce9sum\u00e9\n"
                )
            },
            2,
            r"config\.yaml.*not UTF-8.*line \d+",
            good=False,
        ),
        Bad(
            "fw-duplicate-key",
            {
                F: lambda case: firewall()(case) + "paloalto_url: https://localhost:1\n",
                P: _uses_bad_fw(),
            },
            2,
            r"fw_bad\.yaml.*paloalto_url.*duplicate key at line \d+",
        ),
    ]


CORPUS: list[Bad] = (
    _field_cases() + _file_cases() + _config_cases() + _runtime_cases() + _hostile_cases()
)


__all__ = ["BAD", "CORPUS", "GOOD", "Bad", "dump", "firewall"]
