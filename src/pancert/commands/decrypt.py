"""``pancert decrypt [-p PROFILE]``: decrypt the credentials file and firewall profiles in
place for editing (as the Sectigo agent's ``-a decrypt``); ``pancert encrypt`` seals them
again. ``pancert edit FILE`` avoids plaintext on disk altogether."""

from __future__ import annotations

import argparse

from pancert.commands.encrypt import add_profile_option

NAME = "decrypt"
HELP = "decrypt sectigo_credentials.yaml and fw_*.yaml in place for editing"


def configure(parser: argparse.ArgumentParser) -> None:
    add_profile_option(parser)


def run(args: argparse.Namespace) -> int:
    from pancert import status_codes
    from pancert.commands.encrypt import secret_files
    from pancert.config import load_config
    from pancert.secrets import DecryptStatus, decrypt_file

    loaded = load_config(getattr(args, "config", None))
    for path in secret_files(loaded, args.profile):
        outcome = decrypt_file(path, gnupg_home=loaded.app.gnupg_home)
        if outcome.status is DecryptStatus.UNCHANGED:
            print(f"{path}: not encrypted, nothing to do")
        else:
            print(f"{path}: decrypted (run `pancert encrypt` when done editing)")
    return status_codes.CONVERGED
