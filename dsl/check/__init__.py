"""The checker: a parsed, merged policy (dsl.load) in; diagnostics and a checked model out.

One module per family of checks (names, expressions with units and currencies, sets and choices,
pick tables and per-unit amounts, tiers, readings, splits, declarations and payers, quotes against
the source, reachability warnings); `record` builds the policy's project record from the
declarations; `driver` runs them all.
"""

from dsl.check.driver import Checker, CheckResult, check_paths, check_text
from dsl.check.quotes import find_quote, fold

__all__ = ["CheckResult", "Checker", "check_paths", "check_text", "find_quote", "fold"]
