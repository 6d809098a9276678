"""`pancert validate` and every exit code, through the real command line."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest

from pancert import cli, status_codes
from pancert.errors import ScmError
from pancert.redaction import register_secret
from pancert.state import StateFolder
from tests.unit.test_config_support import make_folder
from tests.unit.test_state import hold_lock

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "profiles_sample"


def run_module(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in ("sectigo_pycert_config", "PANCERT_ACCEPT_EULA")
    }
    return subprocess.run(
        [sys.executable, "-m", "pancert", *args],
        cwd=cwd,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_python_m_pancert_help_lists_validate(tmp_path: Path) -> None:
    result = run_module("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "validate" in result.stdout


def test_the_samples_validate(tmp_path: Path) -> None:
    samples = shutil.copytree(SAMPLES, tmp_path / "samples")
    first = run_module("--config", str(samples / "config.yaml"), "validate", cwd=tmp_path)
    assert first.returncode == status_codes.CONVERGED, first.stdout + first.stderr
    assert "configuration OK" in first.stdout
    assert "1 valid (certificate)" in first.stdout
    seed = run_module("-a", "validate", cwd=tmp_path, sectigo_pycert_config=str(samples))
    assert seed.returncode == 0
    assert seed.stdout == first.stdout


def test_broken_folder_lists_every_problem_without_traceback(tmp_path: Path) -> None:
    cfg = make_folder(
        tmp_path,
        profiles={
            "web": {"sectigo_csr_key_size": 1000, "sectigo_csr_country": "XX"},
            "mail": {"scm_credential_detail": "NONE"},
            "ok": {},
            "typo": {"sectigo_csr_domian": "x"},
        },
    )
    result = run_module("-a", "validate", "--config", str(cfg), cwd=tmp_path)
    assert result.returncode == status_codes.BAD_INPUT
    out = result.stdout
    assert f"problem: {tmp_path / 'web.yaml'}: sectigo_csr_key_size: 1000" in out
    assert f"problem: {tmp_path / 'web.yaml'}: sectigo_csr_country: 'XX'" in out
    assert f"problem: {tmp_path / 'mail.yaml'}: scm_credential_detail" in out
    assert "sectigo_csr_domian: unknown key (did you mean sectigo_csr_domain?)" in out
    assert "3 problem(s)" in out
    assert "Traceback" not in result.stdout + result.stderr


def test_validate_narrows_to_profiles_and_rejects_unknown_ones(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = make_folder(isolated_env, profiles={"web": {}, "bad": {"sectigo_csr_key_type": "X"}})
    assert cli.main(["--config", str(cfg), "validate", "-p", "web.yaml"]) == 0
    assert cli.main(["--config", str(cfg), "-a", "validate", "-p", "bad"]) == 2
    assert cli.main(["--config", str(cfg), "validate", "-p", "nope"]) == 2
    err = capsys.readouterr().err
    assert "no certificate profile nope.yaml" in err


def test_missing_config_exits_2_naming_the_paths_tried(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["validate"]) == status_codes.BAD_INPUT
    err = capsys.readouterr().err
    assert "config.yaml (from the current folder)" in err
    assert "Traceback" not in err


def test_debug_shows_the_traceback(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--debug", "validate"]) == status_codes.BAD_INPUT
    assert "Traceback" in capsys.readouterr().err


def test_usage_errors_exit_2(isolated_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert cli.main(["no-such-command"]) == 2
    assert cli.main(["-a", "no-such-action"]) == 2
    assert cli.main(["--version"]) == 0
    capsys.readouterr()


def test_validate_reports_and_records_licence_acceptance(
    isolated_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = make_folder(isolated_env)
    assert cli.main(["--config", str(cfg), "validate"]) == 0
    assert "licence notice not accepted" in capsys.readouterr().out
    assert cli.main(["validate", "--accept-eula", "--config", str(cfg)]) == 0
    assert "licence notice: accepted" in capsys.readouterr().out
    assert StateFolder(isolated_env).eula_accepted()
    StateFolder(isolated_env).eula_path.unlink()
    monkeypatch.setenv("PANCERT_ACCEPT_EULA", "yes")
    assert cli.main(["--config", str(cfg), "validate"]) == 0
    assert StateFolder(isolated_env).eula_accepted()


def fake_command(body: Callable[[argparse.Namespace], int]) -> types.SimpleNamespace:
    return types.SimpleNamespace(
        NAME="renew", HELP="test double", configure=lambda parser: None, run=body
    )


def with_command(monkeypatch: pytest.MonkeyPatch, command: types.SimpleNamespace) -> None:
    real = cli.discover_commands

    def discover() -> dict[str, cli.Command]:
        return {**real(), command.NAME: command}

    monkeypatch.setattr(cli, "discover_commands", discover)


def test_a_held_lock_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    state = StateFolder(tmp_path)

    def renew(args: argparse.Namespace) -> int:
        with state.lock():
            return 0

    with_command(monkeypatch, fake_command(renew))
    holder = hold_lock(tmp_path)
    try:
        assert cli.main(["-a", "renew"]) == status_codes.LOCKED
    finally:
        holder.communicate("")
    assert "another pancert run is in progress" in capsys.readouterr().err
    assert cli.main(["renew"]) == status_codes.CONVERGED


def test_failures_exit_1_and_never_print_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    register_secret("secret-in-an-error-42")

    def failing(args: argparse.Namespace) -> int:
        raise ScmError("SCM refused secret-in-an-error-42")

    with_command(monkeypatch, fake_command(failing))
    assert cli.main(["renew"]) == status_codes.FAILED
    err = capsys.readouterr().err
    assert "SCM refused ***" in err
    assert "secret-in-an-error-42" not in err


def test_internal_errors_exit_1_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(args: argparse.Namespace) -> int:
        raise KeyError("bug")

    with_command(monkeypatch, fake_command(broken))
    assert cli.main(["renew"]) == status_codes.FAILED
    err = capsys.readouterr().err
    assert "internal error" in err
    assert "Traceback" not in err
