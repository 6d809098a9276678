"""The unlucky user's file system: umask 000, symbolic links, unwritable folders, no terminal,
a closed or full stdout, a corrupt journal, an existing configuration, a broken edit.

Each case runs the real CLI and asserts a clear message (never ``internal error``, never a
traceback), the exit code, and that nothing was written where it must not be.
"""

from __future__ import annotations

import os
import pty
import select
import stat
import subprocess
import sys
from pathlib import Path

import pyrage
import pytest

from pancert import secrets

from .conftest import Tally
from .harness import Case, Result

EDITOR_SCRIPT = """\
import sys
path = sys.argv[1]
text = open(path).read()
if "broken: [" in text and "{fix}" == "yes":
    text = text.replace("broken: [", "# fixed by the second edit")
else:
    text += "broken: [\\n"
open(path, "w").write(text)
open({marker!r}, "a").write("ran\\n")
"""


def _run(
    case: Case,
    *args: str,
    redirect: str = "",
    env: dict[str, str] | None = None,
    stdin: int | None = subprocess.DEVNULL,
) -> Result:
    """The CLI through ``sh -c`` so that a test can redirect its output (``>&-``, a pipe)."""
    command = " ".join([*(f"'{a}'" for a in case.agent.command(*args)), redirect])
    done = subprocess.run(
        ["sh", "-c", command],
        env={**case.agent.env, **(env or {})},
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    result = Result(done.returncode, done.stdout, done.stderr)
    case.results.append(result)
    return result


def _clean(result: Result, code: int, pattern: str) -> list[str]:
    problems = []
    if result.code != code:
        problems.append(f"exit {result.code}, not {code}")
    if "internal error" in result.text or "Traceback" in result.text:
        problems.append("internal error or traceback")
    if pattern not in result.text:
        problems.append(f"no message saying {pattern!r}")
    return [f"{p}\n--- output:\n{result.text[-1500:]}" for p in problems]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_umask_000_still_gives_private_files_and_folders(case: Case, tally: Tally) -> None:
    command = " ".join(f"'{a}'" for a in case.agent.command("renew"))
    done = subprocess.run(
        ["sh", "-c", f"umask 000; exec {command}"],
        env=case.agent.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    problems = [] if done.returncode == 0 else [f"renew exit {done.returncode}: {done.stderr}"]
    state, logs = case.state, case.config_folder / "logs"
    wanted = {state: 0o700, state / "journal": 0o700, logs: 0o700, state / "pancert.lock": 0o600}
    wanted |= {p: 0o600 for p in (state / "journal").glob("*.json")}
    wanted |= {p: 0o600 for p in logs.iterdir()}
    for path, mode in wanted.items():
        if not path.exists() or _mode(path) != mode:
            found = f"{_mode(path):04o}" if path.exists() else "missing"
            problems.append(f"{path.relative_to(case.config_folder)}: {found}, not {mode:04o}")
    tally.count("hostile_files")
    tally.violations(problems)


def _link_state(case: Case, elsewhere: Path) -> Path:
    case.state.rename(elsewhere) if case.state.exists() else elsewhere.mkdir()
    case.state.symlink_to(elsewhere)
    return elsewhere


SYMLINKS = ("state folder", "journal folder", "journal record", "lock file", "log folder", "log")


@pytest.mark.parametrize(
    "what",
    [pytest.param(w, marks=() if w == "journal record" else pytest.mark.slow) for w in SYMLINKS],
)
def test_a_symbolic_link_is_refused(case: Case, tally: Tally, tmp_path: Path, what: str) -> None:
    first = case.run("renew")
    assert first.code == 0, first.text
    target = tmp_path / "target"
    journal = case.state / "journal"
    logs = case.config_folder / "logs"
    if what == "state folder":
        _link_state(case, target)
    elif what == "journal folder":
        journal.rename(target)
        journal.symlink_to(target)
    elif what == "journal record":
        record = next(journal.glob("*.json"))
        record.rename(target)
        record.symlink_to(target)
    elif what == "lock file":
        (case.state / "pancert.lock").unlink(missing_ok=True)
        target.write_text("")
        (case.state / "pancert.lock").symlink_to(target)
    elif what == "log folder":
        logs.rename(target)
        logs.symlink_to(target)
    else:
        log = next(logs.glob("*.log"))
        log.rename(target)
        log.symlink_to(target)
    before = {p: p.read_bytes() for p in [target, *target.rglob("*")] if p.is_file()}
    result = case.run("renew", "--force")
    problems = _clean(result, 2, "symbolic link")
    after = {p: p.read_bytes() for p in before if p.exists()}
    if after != before:
        problems.append(f"the {what} was written through its link")
    tally.count("hostile_files")
    tally.violations(problems)


@pytest.mark.slow
def test_an_unusable_state_or_log_folder_is_a_clear_message(case: Case, tally: Tally) -> None:
    """As root nothing is unwritable, so the folder's parent is a file: it cannot be created."""
    config = case.agent.config
    blocker = case.config_folder / "not-a-folder"
    blocker.write_text("")
    problems = []
    original = config.read_text()
    for key, what in (("pancert_state_path", "state folder"), ("sectigo_log_path", "log folder")):
        config.write_text(original.replace(f"{key}: ", f"{key}: not-a-folder/", 1))
        result = case.run("renew")
        problems += [f"{what}: {p}" for p in _clean(result, 2, f"cannot write the {what}")]
    config.write_text(original)
    tally.count("hostile_files", 2)
    tally.violations(problems)


@pytest.mark.slow
def test_keygen_without_a_terminal_says_so(case: Case, tally: Tally) -> None:
    result = _run(case, "keygen", "fw_sandbox1")
    tally.count("hostile_files")
    tally.violations(_clean(result, 2, "terminal"))


@pytest.mark.slow
def test_a_closed_or_full_stdout_costs_the_report_not_the_run(case: Case, tally: Tally) -> None:
    problems = []
    closed = _run(case, "status", redirect=">&-")
    problems += _clean(closed, 1, "standard output is closed")
    full = _run(case, "renew", redirect=">/dev/full")
    problems += _clean(full, 1, "cannot write to standard output")
    records = list((case.state / "journal").glob("*.json"))
    if len(records) != 3:
        problems.append(f"the renewal did not finish for every pair: {len(records)} records")
    tally.count("hostile_files", 2)
    tally.violations(problems)


def test_a_corrupt_journal_record_names_its_problem_and_the_fix(case: Case, tally: Tally) -> None:
    assert case.run("renew").code == 0
    record = case.state / "journal" / "web@fw_sandbox1.json"
    record.write_text('{"version": 2, "profile": "web", "firewall": ')
    before = record.read_bytes()
    result = case.run("renew", "--force")
    problems = _clean(result, 1, str(record))
    for needed in ("Invalid JSON", "restore", "shop on fw_sandbox1: converged"):
        if needed not in result.text:
            problems.append(f"the message lacks {needed!r}\n{result.text}")
    if record.read_bytes() != before:
        problems.append("the corrupt record was rewritten")
    tally.count("hostile_files")
    tally.violations(problems)


@pytest.mark.slow
def test_the_sandbox_never_overwrites_a_configuration(tmp_path: Path, tally: Tally) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    config = folder / "config.yaml"
    config.write_text("sectigo_scm_url: https://scm.example.com/\n")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pancert", "sandbox", "--dir", str(folder)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        result = Result(done.returncode, done.stdout, done.stderr)
    except subprocess.TimeoutExpired:
        result = Result(-1, "", "the sandbox started over an existing config.yaml")
    problems = _clean(result, 2, "does not overwrite")
    if config.read_text() != "sectigo_scm_url: https://scm.example.com/\n":
        problems.append("config.yaml was overwritten")
    tally.count("hostile_files")
    tally.violations(problems)


def _editor(case: Case, tmp_path: Path, *, fix: bool) -> tuple[dict[str, str], Path]:
    identity = pyrage.x25519.Identity.generate()
    keys = tmp_path / "age-keys.txt"
    keys.write_text(f"{identity}\n")
    config = case.agent.config
    config.write_text(config.read_text() + f"pancert_age_recipients: {identity.to_public()}\n")
    marker = tmp_path / "editor-ran"
    script = tmp_path / "editor.py"
    script.write_text(EDITOR_SCRIPT.format(fix="yes" if fix else "no", marker=str(marker)))
    env = {"EDITOR": f"{sys.executable} {script}", "SOPS_AGE_KEY_FILE": str(keys)}
    return env, marker


@pytest.mark.slow
def test_edit_without_a_terminal_runs_no_editor(case: Case, tally: Tally, tmp_path: Path) -> None:
    env, marker = _editor(case, tmp_path, fix=False)
    creds = case.config_folder / "profiles" / "sectigo_credentials.yaml"
    before = creds.read_bytes()
    result = _run(case, "edit", str(creds), env=env)
    problems = _clean(result, 2, "needs a terminal")
    if marker.exists():
        problems.append("the editor ran without a terminal")
    if creds.read_bytes() != before:
        problems.append("the file changed")
    secret = case.world.scm.credentials.enroll_client_secret
    if secret in result.text:
        problems.append("the decrypted file reached the output")
    tally.count("hostile_files")
    tally.violations(problems)


def _on_a_terminal(case: Case, env: dict[str, str], path: Path, answer: bytes) -> Result:
    """``pancert edit`` with a pseudo-terminal, answering the re-edit question."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        case.agent.command("edit", str(path)),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**case.agent.env, **env},
        start_new_session=True,
    )
    os.close(slave)
    output, answered = b"", False
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            process.kill()
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        if not answered and b"Edit again?" in output:
            os.write(master, answer)
            answered = True
    os.close(master)
    code = process.wait(timeout=60)
    result = Result(code, output.decode(errors="replace"), "")
    case.results.append(result)
    return result


@pytest.mark.parametrize(
    "again", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["keep-a-copy", "edit-again"]
)
def test_broken_yaml_in_an_edit_is_never_lost(
    case: Case, tally: Tally, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, again: bool
) -> None:
    env, _ = _editor(case, tmp_path, fix=again)
    creds = case.config_folder / "profiles" / "sectigo_credentials.yaml"
    before = creds.read_bytes()
    result = _on_a_terminal(case, env, creds, b"y\n" if again else b"n\n")
    problems = []
    copies = list(creds.parent.glob(".sectigo_credentials.yaml.pancert-edit-*"))
    if again:
        problems += _clean(result, 0, "saved and encrypted")
        if "# fixed by the second edit" not in _decrypted(creds, env, monkeypatch):
            problems.append("the second edit was not saved")
    else:
        problems += _clean(result, 2, "your edits are kept in")
        if creds.read_bytes() != before:
            problems.append("the file changed although the edit was not saved")
        if len(copies) != 1 or "broken: [" not in copies[0].read_text():
            problems.append(f"the edits were not kept: {copies}")
        elif _mode(copies[0]) != 0o600:
            problems.append(f"the kept copy is {_mode(copies[0]):04o}, not 0600")
    tally.count("hostile_files")
    tally.violations(problems)


def _decrypted(path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", env["SOPS_AGE_KEY_FILE"])
    return secrets.decrypt_text(path.read_text(), source=path)
