"""One module per subcommand; see :mod:`pancert.cli` for the contract each module follows."""
