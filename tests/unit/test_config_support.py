"""Builders for configuration folders used by the config, CLI and state tests (no tests here).

Files are written as JSON, which is YAML 1.2, so a test states its data as Python values; tests
of YAML syntax itself write text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCM_URL = "https://127.0.0.1:9443/api/ssl/v1/"
PROFILE: dict[str, Any] = {
    "paloalto_fw_profile": "fw_one",
    "scm_credential_detail": "MAIN",
    "sectigo_csr_domain": "www.example.com",
    "sectigo_csr_key_type": "RSA",
    "sectigo_csr_key_size": 2048,
}
FIREWALL: dict[str, Any] = {
    "paloalto_url": "https://127.0.0.1:8443",
    "paloalto_api_key": "fw-api-key-0123456789",
}
CREDENTIAL: dict[str, Any] = {
    "sectigo_cm_user_id": "client-id-1",
    "sectigo_cm_user_secret": "client-secret-0123456789",
}


def merged(base: dict[str, Any], overrides: dict[str, Any] | None) -> dict[str, Any]:
    """``base`` with ``overrides`` applied; an override of None removes the key."""
    result = dict(base)
    for key, value in (overrides or {}).items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def write(path: Path, content: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def make_folder(
    root: Path,
    *,
    config: dict[str, Any] | None = None,
    profiles: dict[str, Any] | None = None,
    firewalls: dict[str, Any] | None = None,
    credentials: dict[str, Any] | None = None,
) -> Path:
    """A config.yaml with its profiles beside it; returns the config path.

    Defaults: one valid profile ``web``, firewall ``fw_one``, credential ``MAIN``. Values in
    ``profiles``/``firewalls`` are override dicts merged over the valid defaults, or strings
    written verbatim.
    """
    cfg = write(root / "config.yaml", merged({"sectigo_scm_url": SCM_URL}, config))
    for name, body in (profiles if profiles is not None else {"web": {}}).items():
        write(root / f"{name}.yaml", body if isinstance(body, str) else merged(PROFILE, body))
    for name, body in (firewalls if firewalls is not None else {"fw_one": {}}).items():
        write(root / f"{name}.yaml", body if isinstance(body, str) else merged(FIREWALL, body))
    creds = credentials if credentials is not None else {"MAIN": CREDENTIAL}
    write(root / "sectigo_credentials.yaml", creds)
    return cfg
