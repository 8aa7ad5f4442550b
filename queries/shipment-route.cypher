// name: shipment-route
// title: Route of a shipment, leg by leg
// description: >
//   Each shipment's legs in order: where each leg departs, the places it passes through,
//   where it arrives, the mode, the carriers and the dates, with the sources behind the leg
//   and its support: `grade` and `credibility` of its best uncontested claim (1 only with two
//   or more independent origins), `origins` (independent origins), `status` (uncontested,
//   contested, denied, or evidence for a leg resting on no claim) and `claims`, each with its
//   grade, origins and status (see the `fact-support` fragment). `stops` lists the places of
//   the leg in travel order. Without a shipment, all shipments. The filters leave out legs
//   graded worse than max_credibility, with fewer than min_origins origins, denied
//   (exclude_denied) or resting on no claim (evidence_only false).
// params:
//   shipment: {type: entity, kinds: [Shipment], example: "PMF weapons to Russia via Iran", description: "The shipment (name, alias or id); all shipments when omitted"}
//   max_credibility: {type: int, default: 6, min: 1, max: 6, example: 6, description: "Worst credibility a leg's best uncontested claim may have (1 best, 6 cannot be judged)"}
//   min_origins: {type: int, default: 1, min: 1, max: 100, example: 1, description: "Fewest independent origins a leg must have"}
//   exclude_denied: {type: bool, default: false, example: false, description: "Leave out legs every claim of which is denied"}
//   evidence_only: {type: bool, default: true, example: true, description: "Keep legs resting on evidence alone, no claim (shown with status evidence)"}
// tags: [routes, shipments, provenance]
MATCH (s:Shipment)-[hl:HAS_LEG]->(l:Leg)
WHERE $shipment IS NULL OR s.id = $shipment
UNWIND (CASE WHEN size(coalesce(hl.claims, [])) = 0 THEN [null] ELSE hl.claims END) AS claimId
OPTIONAL MATCH (c:Entity {id: claimId}) WHERE c:Claim
@claim-support(c, claimed, s, hl, l)
WITH s, hl, l, claimed ORDER BY claimed.name
WITH s, hl, l, collect(claimed) AS claimed
@fact-support(hl, claimed, support, s, l)
WITH s, l, support, {max_credibility: $max_credibility, min_origins: $min_origins,
                     exclude_denied: $exclude_denied, evidence_only: $evidence_only} AS filters
WHERE @fact-passes(support, filters)
OPTIONAL MATCH (l)-[:DEPARTS_FROM]->(a:Place)
OPTIONAL MATCH (l)-[:ARRIVES_AT]->(b:Place)
OPTIONAL MATCH (l)-[:PASSES_THROUGH]->(v:Place)
WITH s, l, support, a, b, collect(DISTINCT v.name) AS via
OPTIONAL MATCH (c)-[:CARRIED]->(l)
WITH s, l, support, a, b, via, collect(DISTINCT c.name) AS carriers
UNWIND (CASE WHEN size(coalesce(l.sources, [])) = 0 THEN [null] ELSE l.sources END) AS sourceId
OPTIONAL MATCH (src:Entity {id: sourceId})
WITH s, l, support, a, b, via, carriers, collect(DISTINCT src.name) AS sources
RETURN s.name AS shipment, l.order AS leg, a.name AS departs, via, b.name AS arrives,
       [x IN [a.name] + via + [b.name] WHERE x IS NOT NULL] AS stops,
       l.mode AS mode, carriers, toString(l.date_from) AS date_from, toString(l.date_to) AS date_to,
       sources, support.grade AS grade, support.credibility AS credibility, support.origins AS origins,
       support.status AS status, support.claims AS claims
ORDER BY shipment, leg
