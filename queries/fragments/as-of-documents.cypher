// fragment: as-of-documents
// args: [as_of, known_docs, undated_docs]
// description: >
//   The one rule of "as of D" (`as_of`, an ISO date, or null for no day): `known_docs`, the ids
//   of the sources dated on or before D -- a document counts from its date; a date of reduced
//   precision (2022, 2022-04) counts from its start, as its text sorts before every day it
//   covers -- and `undated_docs`, the ids of the sources with no date, which an as-of answer
//   leaves out (see `as-of-rows`). With no day, `known_docs` is null (everything counts, see
//   `known-by`) and `undated_docs` empty.
OPTIONAL MATCH (doc_:Source) WHERE as_of IS NOT NULL
WITH KEEP as_of, collect(doc_) AS docs_
WITH KEEP CASE WHEN as_of IS NULL THEN null
               ELSE [d_ IN docs_ WHERE d_.date IS NOT NULL AND toString(d_.date) <= as_of | d_.id] END AS known_docs,
     [d_ IN docs_ WHERE d_.date IS NULL | d_.id] AS undated_docs
