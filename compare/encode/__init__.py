"""A draft policy from a document's text: takes the text's bytes, gives policy text that `check` accepts.

`reading` decodes the text and cuts it into articles and figure-bearing sentences; `draft` writes the
header it states, a `cite` per figure-bearing sentence grouped by article, `unencoded` entries for
figures that are no amounts, and candidate clauses where a sentence's shape is recognised;
`similar` finds the bundled clause most like each candidate.
"""
