// fragment: known-by
// args: [ids, known_docs]
// description: >
//   Whether what the sources `ids` report was known on the as-of day: always with no day
//   (`known_docs` null), else when one of them is among `known_docs` (see `as-of-documents`).
known_docs IS NULL OR any(i_ IN coalesce(ids, []) WHERE i_ IN known_docs)
