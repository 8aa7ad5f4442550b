// fragment: known-by
// args: [docs, as_of]
// description: >
//   The one rule of "as of D": whether what the documents `docs` (a list of source nodes)
//   report was known on the day `as_of` (an ISO date; null for no day, when everything counts).
//   A document counts from its date; a date of reduced precision (2022, 2022-04) counts from its
//   start, as its text sorts before every day it covers; a document with no date never counts
//   (see `undated-docs`).
as_of IS NULL OR any(d_ IN docs WHERE d_.date IS NOT NULL AND toString(d_.date) <= as_of)
