"""The run lock (a real second process) and licence acceptance."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pancert.commands._exits import for_error
from pancert.errors import EulaNotAcceptedError, LockHeldError
from pancert.state import ACCEPT_ENV, LICENCE_NOTICE, StateFolder, ensure_eula

HOLDER = """
import sys
from pathlib import Path
from pancert.state import StateFolder
with StateFolder(Path(sys.argv[1])).lock():
    print("locked", flush=True)
    sys.stdin.read()
"""


def hold_lock(path: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_second_holder_is_refused_with_exit_code_3(tmp_path: Path) -> None:
    state = StateFolder(tmp_path / "state")
    holder = hold_lock(state.path)
    try:
        with pytest.raises(LockHeldError) as caught, state.lock():
            pytest.fail("the lock was taken twice")
        assert for_error(caught.value) == 3
        assert str(state.lock_path) in str(caught.value)
        assert "another pancert run is in progress" in str(caught.value)
    finally:
        holder.communicate("")
    with state.lock():
        pass


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")
def test_the_lock_dies_with_its_process(tmp_path: Path) -> None:
    state = StateFolder(tmp_path)
    holder = hold_lock(tmp_path)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with state.lock():
        assert state.lock_path.exists()


def test_lock_is_released_after_the_body_and_on_error(tmp_path: Path) -> None:
    state = StateFolder(tmp_path)
    with pytest.raises(RuntimeError), state.lock():
        raise RuntimeError("inside")
    with state.lock():
        pass


def test_acceptance_is_recorded_and_shared(tmp_path: Path) -> None:
    assert not StateFolder(tmp_path).eula_accepted()
    StateFolder(tmp_path).accept_eula()
    assert StateFolder(tmp_path).eula_accepted()


def test_an_older_notice_version_asks_again(tmp_path: Path) -> None:
    state = StateFolder(tmp_path)
    state.accept_eula()
    state.eula_path.write_text('{"version": "0"}')
    assert not state.eula_accepted()


def test_flag_accepts_unattended(tmp_path: Path) -> None:
    state = StateFolder(tmp_path)
    ensure_eula(state, accept_flag=True, environ={}, interactive=False)
    assert state.eula_accepted()


@pytest.mark.parametrize("value", ["yes", "YES", "1", "true", "on"])
def test_environment_accepts_unattended(tmp_path: Path, value: str) -> None:
    state = StateFolder(tmp_path)
    ensure_eula(state, accept_flag=False, environ={ACCEPT_ENV: value}, interactive=False)
    assert state.eula_accepted()


@pytest.mark.parametrize("environ", [{}, {ACCEPT_ENV: "no"}, {ACCEPT_ENV: ""}])
def test_non_interactive_without_acceptance_fails_with_the_fix(
    tmp_path: Path, environ: dict[str, str]
) -> None:
    state = StateFolder(tmp_path)
    with pytest.raises(EulaNotAcceptedError) as caught:
        ensure_eula(state, accept_flag=False, environ=environ, interactive=False)
    assert for_error(caught.value) == 2
    assert caught.value.hint is not None
    assert "--accept-eula" in caught.value.hint
    assert not state.eula_accepted()


def test_terminal_shows_the_notice_and_records_yes(tmp_path: Path) -> None:
    state = StateFolder(tmp_path)
    out = io.StringIO()
    prompts: list[str] = []

    def answer(prompt: str) -> str:
        prompts.append(prompt)
        return "y"

    ensure_eula(state, accept_flag=False, environ={}, interactive=True, ask=answer, out=out)
    assert LICENCE_NOTICE in out.getvalue()
    assert "Apache" in LICENCE_NOTICE
    assert "billed" in LICENCE_NOTICE
    assert prompts
    assert state.eula_accepted()
    ensure_eula(state, accept_flag=False, environ={}, interactive=True, ask=answer, out=out)
    assert len(prompts) == 1  # asked once


@pytest.mark.parametrize("reply", ["n", "", "later"])
def test_terminal_refusal_is_not_recorded(tmp_path: Path, reply: str) -> None:
    state = StateFolder(tmp_path)
    with pytest.raises(EulaNotAcceptedError):
        ensure_eula(
            state,
            accept_flag=False,
            environ={},
            interactive=True,
            ask=lambda _prompt: reply,
            out=io.StringIO(),
        )
    assert not state.eula_accepted()
