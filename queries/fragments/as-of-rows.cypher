// fragment: as-of-rows
// args: [candidates, rows, left_out]
// description: >
//   The rows of an answer "as of D" from `candidates`, maps each with `known` (see `known-by`)
//   and `undated` (the ids of the undated documents the row left out, see `undated-docs`: its
//   own when it is not known, or those of a confirmation of it): `rows`, the known ones, and
//   `left_out`, how many distinct undated documents were left out. When no row is known but
//   documents were left out, `rows` is one null, so the answer still says how many.
WITH KEEP [c_ IN candidates WHERE c_.known] AS known_,
     reduce(ids_ = [], c_ IN candidates | ids_ + [i_ IN c_.undated WHERE NOT i_ IN ids_]) AS undated_
WITH KEEP CASE WHEN size(known_) = 0 AND size(undated_) > 0 THEN [null] ELSE known_ END AS rows,
     size(undated_) AS left_out
