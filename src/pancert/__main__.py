"""`python -m pancert` behaves exactly like the `pancert` command."""

from pancert.cli import main

raise SystemExit(main())
