"""Validate one configuration document the way the loader does, in the test process.

``config/loader.py`` and ``config/_reader.py`` match keys with ``prepare``, validate with the
file's folder as ``base`` and turn pydantic's errors into ``file: field: problem (allowed: …)``
lines with ``problems_from``; this does the same without files on disk, so the mutation
tests stay fast. The loader's own use of these steps is tested through files in
``tests/unit/test_config_validation.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from pancert.config.fields import prepare, problems_from

FOLDER = Path("/etc/pancert/profiles")
_M = TypeVar("_M", bound=BaseModel)

PROFILE: dict[str, Any] = {
    "paloalto_fw_profile": "fw_one",
    "scm_credential_detail": "MAIN",
    "sectigo_csr_domain": "www.example.com",
}
FIREWALL: dict[str, Any] = {
    "paloalto_url": "https://fw.example.com",
    "paloalto_api_key": "fw-api-key-0123",
}
CREDENTIAL: dict[str, Any] = {
    "sectigo_cm_user_id": "client-id",
    "sectigo_cm_user_secret": "client-secret-0123",
}
CONFIG: dict[str, Any] = {"sectigo_scm_url": "https://scm.example.com"}


def validate(
    model: type[_M], raw: dict[str, Any], file: str, extra: dict[str, Any] | None = None
) -> tuple[_M | None, list[str]]:
    """(the model, or None) and every problem line, as the loader reports them."""
    path = FOLDER / file
    data, _warnings, found = prepare(raw, model, str(path))
    try:
        obj = model.model_validate({**data, **(extra or {})}, context={"base": FOLDER})
    except ValidationError as exc:
        return None, [str(p) for p in found + problems_from(exc, str(path))]
    return obj, [str(p) for p in found]


def problems(model: type[BaseModel], raw: dict[str, Any], file: str, **extra: Any) -> list[str]:
    """The problem lines only, with the file's path shortened to its name."""
    return [
        line.replace(f"{FOLDER}/", "", 1) for line in validate(model, raw, file, extra or None)[1]
    ]


def valid(model: type[_M], raw: dict[str, Any], file: str, **extra: Any) -> _M:
    obj, found = validate(model, raw, file, extra or None)
    assert not found, found
    assert obj is not None
    return obj
