"""Testing policies: hand-worked cases (*.cases.yaml) run against a compiled policy with branch
coverage (`cases`); the source sentences with figures that no clause cites (`source_coverage`)."""
