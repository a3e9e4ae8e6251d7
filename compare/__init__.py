"""Everything after the language: checked policies (dsl) in; numbers, comparisons and reports out.

Stages, lowest first: `engine` (checked model → numbers), `data` (project records in and
out), `testing` (policy cases, branch and source coverage); then `api` and `cli` on top.
Imports point down that list only (tests/test_layout.py).
"""
