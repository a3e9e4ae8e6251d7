"""`python -m compare.cli` runs the policylab command."""

from compare.cli import main

main()
