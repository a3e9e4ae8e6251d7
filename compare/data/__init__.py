"""Project data in and out.

In: files (CSV, TSV, JSON Lines, Parquet via `tables`; Excel via `xlsx`; YAML and JSON lists via
`document`) and Python objects (DataFrames, Arrow tables, dicts of arrays, lists of dicts via `read`)
become an Arrow table of raw cells, which `vector` validates column by column (`cells` parses each
kind of value, `headers` reads units from column headers, `locate` finds a bad cell's line) into a
ProjectBatch and the carried columns, against the run's record (dsl.record: the fields a run's
policies declare are read by `declared`, a project's own exchange rates by `rates`; `record_table`
lists the record for `policylab fields`).  `validate` is the per-record validator of the policy cases.
Out: Outcomes become Arrow tables (`table`, `table_columns`, `table_text`) written to files
(`table_files`, atomically through `atomic`), or rows for the terminal and JSON (`write`).  Whole
results folders (`--out DIR`) and temporary folders go through `folders`: only a folder policylab wrote
is replaced.
Over years: `years` reads a file over years (long, or wide through `years_wide`) into the engine's
ProjectYears; `years_table` makes outcomes over years one long table for those writers, `years_text`
the cities per year for the terminal."""
