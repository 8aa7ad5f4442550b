// name: single-source-claims
// title: Claims resting on a single origin
// description: >
//   Factual claims whose attribution chains all end at one origin (see the `origins` fragment:
//   the informant, report or person at the end of the chain; the asserting document when it
//   credits no one) and that no other party confirms. Re-reports of one report share its
//   origin, so each is listed with that one origin. Assessments and opinions (claim_kind
//   assessment) are listed only when `assessments` is true. With as_of, only the claims and
//   confirmations documents dated on or before that day report (see the `known-by`
//   fragment): a claim confirmed later is single-source as of an earlier day;
//   `undated_left_out` counts the undated documents left out.
// params:
//   max_credibility: {type: int, default: 6, min: 1, max: 6, example: 6, description: "Only claims graded this credibility or better"}
//   assessments: {type: bool, default: false, example: true, description: "Also list assessments and opinions"}
//   as_of: {type: date, example: "2022-04-13", description: "Only what documents dated on or before this day report (undated ones are left out and counted)"}
// tags: [claims, provenance]
WITH $as_of AS as_of
MATCH (s:Source)-[:ASSERTS]->(c:Claim)
WHERE c.credibility <= $max_credibility AND ($assessments OR coalesce(c.claim_kind, 'factual') = 'factual')
@origins(c, origins, as_of, s)
WITH as_of, s, c, origins
WHERE size(origins) = 1
// the confirmations known by the day (all of them with no day)
OPTIONAL MATCH (x)-[cf:CONFIRMS]->(c)
UNWIND (CASE WHEN size(coalesce(cf.sources, [])) = 0 THEN [null] ELSE cf.sources END) AS cfSource
OPTIONAL MATCH (cfDoc:Entity {id: cfSource})
WITH as_of, s, c, origins[0] AS origin, x, cf, collect(cfDoc) AS cfDocs
WITH as_of, s, c, origin, x, cfDocs, @known-by(cfDocs, as_of) AS cfKnown
WITH as_of, s, c, origin,
     collect(CASE WHEN x IS NOT NULL AND cfKnown THEN x.id END) AS confirmers,
     collect(CASE WHEN x IS NOT NULL AND NOT cfKnown THEN @undated-docs(cfDocs, as_of) END) AS cfLeftOut
WHERE none(k IN confirmers WHERE k <> origin.id)
WITH as_of, s, c, origin, reduce(acc = [], ids IN cfLeftOut | acc + ids) AS cfLeftOut, [s] AS sDocs
WITH as_of, s, c, origin, cfLeftOut, sDocs, @known-by(sDocs, as_of) AS known
WITH collect({claim: c.statement, kind: coalesce(c.claim_kind, 'factual'), rests_on: origin.name,
              reported_by: s.name, reliability: c.reliability, credibility: c.credibility, quote: c.quote,
              known: known, undated: CASE WHEN known THEN cfLeftOut ELSE @undated-docs(sDocs, as_of) END}) AS candidates
@as-of-rows(candidates, rows, left_out)
UNWIND rows AS row
RETURN row.claim AS claim, row.kind AS kind, row.rests_on AS rests_on, row.reported_by AS reported_by,
       row.reliability AS reliability, row.credibility AS credibility, row.quote AS quote,
       left_out AS undated_left_out
ORDER BY rests_on, claim, reported_by
