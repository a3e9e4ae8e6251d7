"""The engine: a checked policy (dsl.model.Policy) and a ProjectBatch in; Outcomes out.

`graph` orders the policy's nodes, `compile` turns expressions into closures over numpy
columns (with `conditions` on the policy's record, `pick` tables and per-unit amounts), `evaluate`
runs them and divides each outcome among its `payer`s; `explain` replays one project with tracing; `fx` dates rates;
`implied` fills the fields a record does not give but its other fields imply (the readers apply it).
"""
