"""No error shows a secret, whatever the YAML library or a validator puts in its text.

Every secret field of every file (``sectigo_cm_user_secret`` and ``sectigo_cm_password`` in
sectigo_credentials.yaml, ``paloalto_api_key`` in fw_*.yaml) is broken in each way that
makes an error mention it: given twice (the YAML library quotes both values), a syntax
error on its line, a list instead of text, too short. ``validate``, ``renew`` and
``status --json`` must then name the file, and neither value may appear in their output or
in the log file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import Tally
from .harness import Case

FIELDS = {
    "sectigo_cm_user_secret": "sectigo_credentials.yaml",
    "sectigo_cm_password": "sectigo_credentials.yaml",
    "paloalto_api_key": "fw_sandbox1.yaml",
}
SECOND = "second-secret-Zq8xW3vT5pLm"


def _broken(line: str, field: str, kind: str) -> str:
    """The replacement for the line ``<indent><field>: <value>``."""
    indent = line[: len(line) - len(line.lstrip())]
    if kind == "duplicate":
        return f"{line}\n{indent}{field}: {SECOND}"
    if kind == "duplicate-quoted":
        return f"{line}\n{indent}{field}: '{SECOND}'"
    if kind == "syntax":
        return f"{line}: {SECOND}: x"
    if kind == "list":
        return f"{indent}{field}: [{SECOND}, {line.split(':', 1)[1].strip()}]"
    if kind == "short":
        return f"{indent}{field}: {SECOND[:6]}"
    raise AssertionError(kind)


KINDS = ("duplicate", "duplicate-quoted", "syntax", "list", "short")


@pytest.fixture
def secret_case(tmp_path: Path) -> Iterator[Case]:
    started = Case.start(tmp_path)
    try:
        yield started
    finally:
        started.stop()


@pytest.mark.parametrize(
    "kind", [pytest.param(k, marks=() if k == "duplicate" else pytest.mark.slow) for k in KINDS]
)
@pytest.mark.parametrize("field", sorted(FIELDS))
def test_a_broken_secret_field_never_shows_its_value(
    secret_case: Case, tally: Tally, field: str, kind: str
) -> None:
    path = secret_case.config_folder / "profiles" / FIELDS[field]
    text = path.read_text()
    # the value may be on the key's line or (a long one) folded onto the next
    match = re.search(
        rf"^(?P<indent>[ \t]*){field}:[ \t]*\n?[ \t]*(?P<value>\S.*)$", text, re.MULTILINE
    )
    assert match is not None, f"{field} not in {path.name}"
    original = match.group("value").strip().strip("'\"")
    line = f"{match.group('indent')}{field}: {original}"
    path.write_text(text.replace(match.group(0), _broken(line, field, kind), 1))
    commands = (("validate",), ("renew",), ("status", "--json"))
    results = [secret_case.run(*args) for args in commands]
    problems = []
    logs = "".join(p.read_text() for p in (secret_case.config_folder / "logs").glob("*log*"))
    outputs = [(" ".join(c), r.text) for c, r in zip(commands, results, strict=True)]
    for where, text_out in [*outputs, ("the log file", logs)]:
        for secret in (original, SECOND, SECOND[:6]):
            if secret in text_out:
                problems.append(f"{field} ({kind}): a secret value is shown in {where}")
    validate = results[0]
    if validate.code != 2 or FIELDS[field] not in validate.text:
        problems.append(f"validate exit {validate.code} without naming {FIELDS[field]}")
    for result in results:
        if "Traceback" in result.text or "internal error" in result.text:
            problems.append(f"{field} ({kind}): traceback or internal error")
    tally.count("secret_scans", len(results) + 1)
    shown = "\n".join(f"--- exit {r.code}\n{r.text}" for r in results)
    tally.violations([f"{p}\n{shown}" for p in problems])
