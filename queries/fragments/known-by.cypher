// fragment: known-by
// args: [docs, as_of]
// description: >
//   The one rule of "as of D": whether what the documents `docs` (a list of source nodes)
//   report was known on the day `as_of` (an ISO date; null for no day, when everything counts).
//   A document counts from its date; a date of reduced precision (2022, 2022-04, a range)
//   counts from its start, the earliest day it can mean (`date_start`, see the schema's
//   `date_bounds`: 2022-04 counts from 2022-04-01); a date open at the start (../2022-04-13,
//   "before 13 April") counts from its end, the latest day it can mean; a document with no date
//   never counts (see `undated-docs`).
as_of IS NULL OR any(d_ IN docs WHERE d_.date IS NOT NULL AND coalesce(d_.date_start, d_.date_end) <= date(as_of))
