"""The `pancert` command line: arguments, output, exit codes. No business logic lives here.

Two spellings reach the same code: subcommands (``pancert renew -p web.yaml``) and the Sectigo
agent's form (``pancert -a renew -p web.yaml``), so cron lines written for that agent keep
working. Each subcommand is a module in :mod:`pancert.commands` exposing ``NAME``, ``HELP``,
``configure(parser)`` and ``run(args) -> int``; a subcommand exists exactly when its module does,
so nothing unbuilt ever shows in ``--help``. Command modules import their heavy dependencies
inside ``run`` so that ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import traceback
from collections.abc import Sequence
from types import ModuleType
from typing import Protocol, cast

# httpx's package imports its own command line (click, rich.progress, rich.syntax and
# pygments' lexer tables) whenever those are installed, for a ``httpx`` command pancert never
# runs: about a fifth of the CPU of starting pancert. None in sys.modules makes that import
# fail, and httpx then falls back to a stub (httpx/__init__.py, ``except ImportError``).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

from pancert import __version__, commands, status_codes, stdout  # noqa: E402
from pancert.commands._exits import for_error  # noqa: E402
from pancert.errors import PancertError  # noqa: E402
from pancert.redaction import redact  # noqa: E402


class Command(Protocol):
    NAME: str
    HELP: str

    def configure(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def discover_commands() -> dict[str, Command]:
    found: dict[str, Command] = {}
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module: ModuleType = importlib.import_module(f"{commands.__name__}.{info.name}")
        command = cast(Command, module)
        found[command.NAME] = command
    return found


def _common_options() -> argparse.ArgumentParser:
    """Options accepted before or after the subcommand (cron lines put them anywhere)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="config.yaml to use (else $sectigo_pycert_config, else ./config.yaml)",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show tracebacks on errors (never local variables)",
    )
    common.add_argument(
        "--accept-eula",
        action="store_true",
        default=argparse.SUPPRESS,
        help="accept the licence notice non-interactively (or PANCERT_ACCEPT_EULA=yes)",
    )
    return common


def build_parser(available: dict[str, Command]) -> argparse.ArgumentParser:
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="pancert",
        description=(
            "Keep TLS certificates on Palo Alto Networks firewalls issued and renewed by "
            "Sectigo Certificate Manager, with keys generated on the firewall."
        ),
        parents=[common],
        epilog=(
            "The Sectigo agent's form also works: pancert -a ACTION [-p PROFILE.yaml]. "
            "Exit codes: 0 converged, 1 a profile failed, 2 bad input or usage, "
            "3 another run holds the lock."
        ),
    )
    parser.add_argument("--version", action="version", version=f"pancert {__version__}")
    parser.add_argument(
        "-a",
        "--action",
        choices=sorted(available),
        metavar="ACTION",
        help="the Sectigo agent's spelling of the subcommand: " + ", ".join(sorted(available)),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, command in available.items():
        sub_parser = sub.add_parser(
            name, help=command.HELP, description=command.HELP, parents=[common]
        )
        command.configure(sub_parser)
    return parser


def _seed_form_to_subcommand(argv: list[str], available: dict[str, Command]) -> list[str]:
    """Rewrite ``-a ACTION rest…`` into ``ACTION rest…`` so both forms share one parser."""
    for index, arg in enumerate(argv):
        if arg in available:
            return argv  # a subcommand came first: nothing to rewrite
        value: str | None = None
        if arg in ("-a", "--action") and index + 1 < len(argv):
            value, consumed = argv[index + 1], 2
        elif arg.startswith("--action="):
            value, consumed = arg.split("=", 1)[1], 1
        elif arg.startswith("-a") and len(arg) > 2:
            value, consumed = arg[2:], 1
        if value is not None:
            if value not in available:
                return argv  # let argparse report the allowed choices
            return [value, *argv[:index], *argv[index + consumed :]]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    available = discover_commands()
    raw = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(available)
    try:
        args = parser.parse_args(_seed_form_to_subcommand(raw, available))
    except SystemExit as exc:  # argparse: --help, --version, or a usage error (exit 2)
        return int(exc.code or 0)
    if args.command is None:
        parser.print_usage(sys.stderr)
        print("pancert: error: a COMMAND (or -a ACTION) is required", file=sys.stderr)
        return status_codes.BAD_INPUT
    debug = bool(getattr(args, "debug", False))
    guard = stdout.install() if argv is None else None
    try:
        code = available[args.command].run(args)
    except PancertError as exc:
        _print_error(exc, debug)
        return for_error(exc)
    except KeyboardInterrupt:
        print("pancert: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so plainly, traceback only on request
        from pancert.logs import get_logger, log_internal_error  # noqa: PLC0415 - rich loads slowly

        # into the log file too (when one is open), masked by its filter like every line
        log_internal_error(get_logger("pancert"), "internal error", exc)
        if debug:
            traceback.print_exc()
        print(
            f"pancert: internal error: {redact(f'{type(exc).__name__}: {exc}')}\n"
            "  please report it; rerun with --debug for the traceback",
            file=sys.stderr,
        )
        return status_codes.FAILED
    report = stdout.problem(guard) if guard is not None else None
    if report is not None:
        print(f"pancert: {report}", file=sys.stderr)
        return code or status_codes.FAILED
    return code


def _print_error(exc: PancertError, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    print(f"pancert: error: {redact(str(exc))}", file=sys.stderr)
    if exc.hint:
        print(f"  hint: {redact(exc.hint)}", file=sys.stderr)
