"""Figures over time: what a city's documents set, as of each date.

Takes checked policies (dsl.model.Policy) and their dates in force (dsl.timeline); gives
- `figures.figure_rows(policy)`: every figure of a policy by concept (rates, caps, thresholds and tier
  edges, points, ratios …), its value in the base unit, the texts' notation, article and quote;
- `steps.city_history(timeline, policies)`: per figure, the values a city's documents gave it over
  time, each from the date its document came into force (the `policylab timeline` command: a table
  in `render`, a step chart in `chart`);
- `panel.build_panel(…)`: the long table city × date × concept → the figures in force and reference
  projects' outcomes (the `policylab panel` command), written by `outputs`.
Figures are found by path as compare.simulate.figures names them, so `--set PATH=…` and a panel's
`figure` column speak of the same figure.
"""
