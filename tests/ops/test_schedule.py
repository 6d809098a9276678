"""``pancert schedule``: units checked by systemd-analyze, crontab lines kept apart."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from pancert.cli import main


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        "sectigo_scm_url: https://scm.example.org\n"
        "pancert_state_path: state\n"
        "sectigo_log_path: logs\n"
        "pancert_metrics_dir: prom\n"
    )
    return path


def verify(*units: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        return  # checked where systemd is installed; the Makefile installs it
    done = subprocess.run(
        ["systemd-analyze", "verify", *map(str, units)], check=False, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr


def test_system_units_are_a_hardened_oneshot_on_a_persistent_randomized_timer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)
    root = tmp_path / "root"
    assert main(["--config", str(config), "schedule", "install", "--root", str(root)]) == 0
    unit_dir = root / "etc/systemd/system"
    service, timer = unit_dir / "pancert.service", unit_dir / "pancert.timer"
    text = service.read_text()
    assert "Type=oneshot" in text
    assert f"--config {config} renew" in text
    assert "NoNewPrivileges=yes" in text
    assert "ProtectSystem=strict" in text
    assert "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" in text
    for folder in ("state", "logs", "prom"):
        assert f"-{tmp_path / folder}" in text
    assert "User=" in text
    timer_text = timer.read_text()
    assert "OnCalendar=*-*-* 00,12:00:00" in timer_text
    assert "RandomizedDelaySec=" in timer_text
    assert "Persistent=true" in timer_text
    verify(service, timer)

    capsys.readouterr()
    assert main(["--config", str(config), "schedule", "show", "--root", str(root)]) == 0
    shown = capsys.readouterr().out
    assert f"# {service} (installed)" in shown
    assert main(["--config", str(config), "schedule", "uninstall", "--root", str(root)]) == 0
    assert list(unit_dir.iterdir()) == []


def test_user_units_verify_and_carry_no_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    config = write_config(tmp_path)
    root = tmp_path / "root"
    args = ["--config", str(config), "schedule", "install", "--user", "--root", str(root)]
    assert main(args) == 0
    unit_dir = root / str(home).lstrip("/") / ".config/systemd/user"
    service = unit_dir / "pancert.service"
    assert "User=" not in service.read_text()
    assert "ProtectSystem" not in service.read_text()  # needs a privileged manager
    verify(service, unit_dir / "pancert.timer")


def test_crontab_line_is_added_once_and_removed_alone(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    crontab = tmp_path / "crontab"
    crontab.write_text("MAILTO=ops@example.org\n5 4 * * * /usr/bin/other-job\n")
    args = ["--config", str(config), "schedule", "install", "--crontab-file", str(crontab)]
    assert main(args) == 0
    assert main(args) == 0  # reinstalling replaces, never duplicates
    lines = crontab.read_text().splitlines()
    assert lines[:2] == ["MAILTO=ops@example.org", "5 4 * * * /usr/bin/other-job"]
    assert len(lines) == 3
    minute, hours, *rest = lines[2].split(" ", 5)
    first, second = (int(h) for h in hours.split(","))
    assert 0 <= int(minute) < 60
    assert second == first + 12
    command = shlex.split(rest[-1].split(" >/dev/null")[0])
    assert command[-3:] == ["--config", str(config), "renew"]
    assert Path(command[0]).is_absolute()
    args[3] = "uninstall"
    assert main(args) == 0
    assert crontab.read_text().splitlines() == lines[:2]
