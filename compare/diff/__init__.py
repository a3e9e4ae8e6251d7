"""Drafting revisions: two checked policies in; what changed out.

`structural` and `items` compare the rules as written (items matched by id, then by concept and
citations; figures as quantities; pick tables row by row), `record_items` a city's own declarations
and payers, giving a StructuralDiff of Changes; `render` prints it as a table, JSON or Markdown for a
memo.

On the policies' graphs joined at concept nodes (compare.engine.crossgraph): `data` evaluates two
policies over projects at one rate and gives each outcome's change (an OutcomeDiff; `data_render`
prints it), `impact` walks what a name can reach, `graph_export` writes the joined graph as JSON,
DOT or SVG (drawn without Graphviz).

`semantic` compares what two policies give, proved with z3 over every valid project record: per outcome
concept a verdict, witness projects (re-evaluated by the evaluator: `witness`) and the largest gain and
loss, held in `verdicts`; `encode` (with `encode_expr`, `encode_record` for the open record's
constructs, `symbolic` over the pair's record and `xreal`) turns a checked policy into z3 terms
mirroring the reference interpreter, `decide` settles a check whose terms multiply a bounded
field by an amount, `regions` describes where each side gives more, `semantic_render` prints it.

Read as sentences in Chinese and English (for the table and Markdown outputs and the redline):
`sentences` the structural changes per article, `verdict_sentences` the verdicts and witnesses (with
`project_words`, a project and its figures in the texts' notation).
"""
