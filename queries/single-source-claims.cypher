// name: single-source-claims
// title: Claims resting on a single origin
// description: >
//   Factual claims whose attribution chains all end at one origin (see the `origins` fragment:
//   the informant, report or person at the end of the chain; the asserting document when it
//   credits no one) and that no other party confirms. Re-reports of one report share its
//   origin, so each is listed with that one origin. Assessments and opinions (claim_kind
//   assessment) are listed only when `assessments` is true.
// params:
//   max_credibility: {type: int, default: 6, min: 1, max: 6, example: 6, description: "Only claims graded this credibility or better"}
//   assessments: {type: bool, default: false, example: true, description: "Also list assessments and opinions"}
// tags: [claims, provenance]
MATCH (s:Source)-[:ASSERTS]->(c:Claim)
WHERE c.credibility <= $max_credibility AND ($assessments OR coalesce(c.claim_kind, 'factual') = 'factual')
@origins(c, origins, s)
WITH s, c, origins
WHERE size(origins) = 1
WITH s, c, origins[0] AS origin, [(x)-[:CONFIRMS]->(c) | x.id] AS confirmers
WHERE none(x IN confirmers WHERE x <> origin.id)
RETURN c.statement AS claim, coalesce(c.claim_kind, 'factual') AS kind, origin.name AS rests_on,
       s.name AS reported_by, c.reliability AS reliability, c.credibility AS credibility, c.quote AS quote
ORDER BY rests_on, claim, reported_by
