// name: routes-between
// title: Known routes between two places or countries
// description: >
//   Every shipment whose legs pass first through the origin (or a place located in it) and
//   later through the destination (or a place located in it), with the stretch of the route
//   between them, the modes used, the sources behind the legs, and `legs`: each leg with its
//   support -- `grade` and `credibility` of its best uncontested claim, `origins` (independent
//   origins), `status` (uncontested, contested, denied, or evidence for a leg resting on no
//   claim) and `claims` (see the `fact-support` fragment). The filters leave out legs graded
//   worse than max_credibility, with fewer than min_origins origins, denied (exclude_denied) or
//   resting on no claim (evidence_only false) before the route is traced: a route that needs a
//   leg left out is not listed.
// params:
//   origin: {type: entity, kinds: [Place], required: true, example: Iraq, description: "Where the route starts (place or country)"}
//   destination: {type: entity, kinds: [Place], required: true, example: Russia, description: "Where the route ends (place or country)"}
//   max_credibility: {type: int, default: 6, min: 1, max: 6, example: 6, description: "Worst credibility a leg's best uncontested claim may have (1 best, 6 cannot be judged)"}
//   min_origins: {type: int, default: 1, min: 1, max: 100, example: 1, description: "Fewest independent origins a leg must have"}
//   exclude_denied: {type: bool, default: false, example: false, description: "Leave out legs every claim of which is denied"}
//   evidence_only: {type: bool, default: true, example: true, description: "Keep legs resting on evidence alone, no claim (shown with status evidence)"}
// tags: [routes, shipments, provenance]
MATCH (o:Entity {id: $origin})
OPTIONAL MATCH (inO:Place)-[:LOCATED_IN*1..3]->(o)
WITH o, collect(inO.id) AS inside
WITH o, inside + [o.id] AS originIds
MATCH (d:Entity {id: $destination})
OPTIONAL MATCH (inD:Place)-[:LOCATED_IN*1..3]->(d)
WITH o, d, originIds, collect(inD.id) AS inside
WITH o, d, originIds, inside + [d.id] AS destIds
MATCH (s:Shipment)-[hl:HAS_LEG]->(l:Leg)
UNWIND (CASE WHEN size(coalesce(hl.claims, [])) = 0 THEN [null] ELSE hl.claims END) AS claimId
OPTIONAL MATCH (c:Claim {id: claimId})
@claim-support(c, claimed, o, d, originIds, destIds, s, hl, l)
WITH o, d, originIds, destIds, s, hl, l, claimed ORDER BY claimed.name
WITH o, d, originIds, destIds, s, hl, l, collect(claimed) AS claimed
@fact-support(hl, claimed, support, o, d, originIds, destIds, s, l)
WITH o, d, originIds, destIds, s, l, support,
     {max_credibility: $max_credibility, min_origins: $min_origins,
      exclude_denied: $exclude_denied, evidence_only: $evidence_only} AS filters
WHERE @fact-passes(support, filters)
OPTIONAL MATCH (l)-[:DEPARTS_FROM]->(a:Place)
OPTIONAL MATCH (l)-[:ARRIVES_AT]->(b:Place)
OPTIONAL MATCH (l)-[:PASSES_THROUGH]->(v:Place)
WITH o, d, originIds, destIds, s, l, support, a, b, collect(DISTINCT v) AS via
ORDER BY l.order
WITH o, d, originIds, destIds, s,
     collect(l.mode) AS modes, collect(l.sources) AS legSources, collect([a] + via + [b]) AS legStops,
     collect({leg: l.order, departs: a.name, arrives: b.name, mode: l.mode, grade: support.grade,
              credibility: support.credibility, origins: support.origins, status: support.status,
              claims: support.claims}) AS legs
WITH o, d, originIds, destIds, s, modes, legSources, legs,
     reduce(acc = [], stop IN legStops | acc + [x IN stop WHERE x IS NOT NULL]) AS allStops
// a leg that starts where the previous one arrived does not repeat the place
WITH o, d, originIds, destIds, s, modes, legSources, legs,
     [i IN range(0, size(allStops) - 1) WHERE i = 0 OR allStops[i].id <> allStops[i - 1].id | allStops[i]] AS stops
WITH o, d, s, modes, legSources, legs, stops,
     [i IN range(0, size(stops) - 1) WHERE stops[i].id IN originIds] AS atOrigin,
     [i IN range(0, size(stops) - 1) WHERE stops[i].id IN destIds] AS atDest
WHERE size(atOrigin) > 0 AND size(atDest) > 0 AND atOrigin[0] < atDest[size(atDest) - 1]
WITH o, d, s, modes, legs, stops[atOrigin[0]..atDest[size(atDest) - 1] + 1] AS route,
     reduce(acc = [], xs IN legSources | acc + [x IN coalesce(xs, []) WHERE NOT x IN acc]) AS sourceIds
UNWIND (CASE WHEN size(coalesce(sourceIds, [])) = 0 THEN [null] ELSE sourceIds END) AS sourceId
OPTIONAL MATCH (src:Entity {id: sourceId})
RETURN o.name AS origin, d.name AS destination, s.name AS shipment,
       [p IN route | p.name] AS route, modes, collect(DISTINCT src.name) AS sources, legs
ORDER BY shipment
