"""The comparison website and the one-file report: the cities side by side, clause by clause."""
