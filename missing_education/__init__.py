"""Children Missing Education casework: the domain, rules and services behind the `cme` command."""

__version__ = "0.1.0"
