// fragment: undated-docs
// args: [docs, as_of]
// description: >
//   The ids of the documents among `docs` (source nodes) that an answer as of the day `as_of`
//   leaves out for having no date (see `known-by`); none with no day.
[d_ IN docs WHERE as_of IS NOT NULL AND d_.date IS NULL | d_.id]
