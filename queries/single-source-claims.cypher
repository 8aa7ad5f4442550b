// name: single-source-claims
// title: Claims resting on a single source
// description: >
//   Claims whose attribution leads back to one origin — the report, informant or person the
//   asserting document credits, or the document itself when it credits no one — and that no
//   party confirms. Re-reports of one original (two outlets citing the same report) count as
//   one source: that is the point of following the attribution chain.
// params:
//   max_credibility: {type: int, default: 6, min: 1, max: 6, example: 6, description: "Only claims graded this credibility or better"}
// tags: [claims, provenance]
MATCH (s:Source)-[:ASSERTS]->(c:Claim)
WHERE c.credibility <= $max_credibility
OPTIONAL MATCH (c)-[:ATTRIBUTED_TO]->(o)
WITH s, c, collect(DISTINCT o) AS origins
WITH s, c, CASE WHEN size(origins) = 0 THEN [s] ELSE origins END AS roots
WHERE size(roots) = 1
OPTIONAL MATCH (x)-[:CONFIRMS]->(c)
WITH s, c, roots, count(x) AS confirmations
WHERE confirmations = 0
RETURN c.statement AS claim, roots[0].name AS rests_on, s.name AS reported_by,
       c.reliability AS reliability, c.credibility AS credibility, c.quote AS quote
ORDER BY rests_on, claim
