"""The `policylab` command: a thin layer over dsl/ and compare/."""
from __future__ import annotations

import sys


def main() -> None:
    from compare.commands import app  # heavy imports only once a command runs

    app()


if __name__ == "__main__":
    main()
    sys.exit(0)
