"""Secrets never leave their place: known secret values are searched for in every log, console
output (errors included), journal, ``.ids`` file, gpg argument list and environment, and in
every request the sandboxes received (URL, query string, body; the PAN-OS key only in
``X-PAN-KEY``). Plaintext secrets files readable by others are warned about.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from pancert.sandbox.faults import FaultRule

from .conftest import Tally
from .harness import PROFILES, Case, Result


def _find_gpg() -> str:
    """The gpg the sops code would run; a missing one fails the scan (the gpg argument and
    environment checks must not silently vanish on a machine without GnuPG)."""
    found = shutil.which("gpg")
    if found is None:
        pytest.fail("GnuPG (gpg) is not on PATH: install it (Debian: apt-get install gnupg)")
    return found


def _gpg_key(home: Path) -> str:
    home.mkdir(mode=0o700)
    subprocess.run(
        [
            _find_gpg(),
            "--homedir",
            str(home),
            "--batch",
            "--passphrase",
            "",
            "--quick-gen-key",
            "pancert reliability <reliability@example.com>",
            "future-default",
            "default",
            "never",
        ],
        check=True,
        capture_output=True,
    )
    listing = subprocess.run(
        [_find_gpg(), "--homedir", str(home), "--with-colons", "--list-secret-keys"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))


def _shim(folder: Path) -> tuple[Path, Path]:
    """A gpg that records its argument list and environment, then runs the real one."""
    log = folder / "gpg-calls.log"
    shim = folder / "gpg-shim"
    record = f"{{ echo \"ARGV $*\"; env | sed 's/^/ENV /'; }} >> '{log}'"
    shim.write_text(f'#!/bin/sh\n{record}\nexec {_find_gpg()} "$@"\n')
    shim.chmod(0o755)
    return shim, log


def _secrets(case: Case) -> dict[str, str]:
    creds = case.world.scm.credentials
    found = {
        "scm client secret": creds.client_secret,
        "scm password": creds.password,
        "scm enrollment secret": creds.enroll_client_secret,
    }
    for fw in case.firewalls:
        found[f"{fw.name} api key"] = fw.api_key
        found[f"{fw.name} password"] = fw.password
    tokens = getattr(case.world.scm.authority, "_tokens", {})
    found.update({f"bearer token {i}": t for i, t in enumerate(tokens)})
    return found


def _hits(where: str, text: str, secrets: dict[str, str]) -> list[str]:
    return [f"{what} found in {where}" for what, value in secrets.items() if value in text]


def test_no_secret_anywhere(tmp_path: Path, tally: Tally) -> None:
    home = tmp_path / "gnupg"
    fingerprint = _gpg_key(home)
    shim, gpg_log = _shim(tmp_path)
    case = Case.start(
        tmp_path,
        PROFILES,
        sectigo_log_level="DEBUG",
        sectigo_encrypt_credentials=True,
        sectigo_gnu_key=fingerprint,
        pancert_gnupg_home=str(home),
    )
    try:
        case.agent.env["SOPS_GPG_EXEC"] = str(shim)
        results: list[Result] = [case.run("encrypt")]
        assert results[0].code == 0, results[0].text
        results += [case.run("validate"), case.run("renew")]
        assert results[-1].code == 0, results[-1].text
        case.add_fault("scm", FaultRule(kind="enroll", fault="error", status=400))
        case.add_fault("fw2", FaultRule(kind="generate", fault="error", status=13))
        results += [case.run("renew", "--force"), case.run("--debug", "renew", "--force")]
        case.clear_faults()
        results += [case.run("renew"), case.run("status", "--json"), case.run("status")]
        problems = _scan(case, results, gpg_log, tally)
    finally:
        case.stop()
    tally.violations(problems)


def _scan(case: Case, results: list[Result], gpg_log: Path, tally: Tally) -> list[str]:
    secrets = _secrets(case)
    assert len(secrets) > 7, "the run issued no bearer token to look for"
    problems: list[str] = []
    for index, result in enumerate(results):
        problems += _hits(f"console output of run {index}", result.text, secrets)
        tally.count("secret_scans")
    folder = case.config_folder
    files = [
        p
        for p in folder.rglob("*")
        if p.is_file() and p.name != "sandbox.json" and not p.is_relative_to(folder / "ca")
    ]
    assert any(p.suffix == ".ids" for p in files)
    assert any(p.suffix == ".log" for p in files)
    for path in files:
        problems += _hits(str(path), path.read_text(errors="replace"), secrets)
        tally.count("secret_scans")
    calls = gpg_log.read_text() if gpg_log.exists() else ""
    assert "ARGV" in calls, "gpg never ran: the shim proves nothing"
    problems += _hits("gpg argument lists and environment", calls, secrets)
    problems += _hits("this test's environment", "\n".join(os.environ.values()), secrets)
    tally.count("secret_scans", calls.count("ARGV "))
    problems += _request_problems(case, secrets, tally)
    return problems


def _request_problems(case: Case, secrets: dict[str, str], tally: Tally) -> list[str]:
    problems: list[str] = []
    creds = case.world.scm.credentials
    for record in case.world.scm.recorder.records():
        body = record["body"]
        if record["kind"] == "token":
            # OAuth client credentials travel in the token request's form body (RFC 6749
            # §2.3.1); nowhere else
            body = re.sub(
                re.escape(creds.client_secret) + "|" + re.escape(creds.enroll_client_secret),
                "",
                body,
            )
        where = f"SCM {record['kind']} request"
        problems += _hits(f"{where} URL", record["path"] + "?" + record["query"], secrets)
        problems += _hits(f"{where} body", body, secrets)
        tally.count("secret_scans")
    for fw in case.firewalls:
        for record in fw.recorder.records():
            where = f"{fw.name} {record['kind']} request"
            problems += _hits(f"{where} URL", record["path"] + "?" + record["query"], secrets)
            problems += _hits(f"{where} body", record["body"], secrets)
            headers = {k: v for k, v in record["headers"].items() if k != "x-pan-key"}
            problems += _hits(f"{where} headers other than X-PAN-KEY", str(headers), secrets)
            if record["kind"] != "keygen" and record["headers"].get("x-pan-key") != fw.api_key:
                problems.append(f"{where} did not carry the API key in X-PAN-KEY")
            tally.count("secret_scans")
    return problems


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600])
def test_exposed_credentials_file_is_warned_about(case: Case, tally: Tally, mode: int) -> None:
    path = case.config_folder / "profiles" / "sectigo_credentials.yaml"
    path.chmod(mode)
    for fw in sorted((case.config_folder / "profiles").glob("fw_*.yaml")):
        fw.chmod(0o600)
    result = case.run("validate")
    warned = re.search(r"sectigo_credentials\.yaml: .*readable by", result.text) is not None
    tally.count("secret_scans")
    problems = []
    if warned != bool(stat.S_IMODE(mode) & 0o077):
        problems.append(f"mode {mode:04o}: warned={warned}\n{result.text}")
    tally.violations(problems)
