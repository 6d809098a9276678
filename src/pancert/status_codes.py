"""Process exit codes, documented in the README ("Exit codes").

One place so that the CLI wrapper, the tests and the documentation cannot drift apart.
"""

from typing import Final

CONVERGED: Final = 0
"""Every profile converged, or is pending at the CA within its limits."""
FAILED: Final = 1
"""A profile failed, or a certificate inside its window has no successful renewal;
also credentials, reachability and TLS trust problems."""
BAD_INPUT: Final = 2
"""Bad input or usage: a file, a field or a command line that must be fixed by a person.
Wins over FAILED when both happen in one run."""
LOCKED: Final = 3
"""Another pancert run holds the lock on the state folder."""
