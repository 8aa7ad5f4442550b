// name: routes-between
// title: Known routes between two places or countries
// description: >
//   Every shipment whose legs pass first through the origin (or a place located in it) and
//   later through the destination (or a place located in it), with the stretch of the route
//   between them, the modes used, the sources behind its legs, and `legs`: each leg with its
//   support -- `grade` and `credibility` of its best uncontested claim, `origins` (independent
//   origins), `status` (uncontested, contested, denied, or evidence for a leg resting on no
//   claim) and `claims` (see the `fact-support` fragment). The filters leave out legs graded
//   worse than max_credibility, with fewer than min_origins origins, denied (exclude_denied) or
//   resting on no claim (evidence_only false): a route that needs a leg left out is not listed.
//   `legs`, `modes` and `sources` are those of the legs of the stretch.
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
OPTIONAL MATCH (c:Entity {id: claimId}) WHERE c:Claim
@claim-support(c, claimed, o, d, originIds, destIds, s, hl, l)
WITH o, d, originIds, destIds, s, hl, l, claimed ORDER BY claimed.name
WITH o, d, originIds, destIds, s, hl, l, collect(claimed) AS claimed
@fact-support(hl, claimed, support, o, d, originIds, destIds, s, l)
WITH o, d, originIds, destIds, s, l, support,
     {max_credibility: $max_credibility, min_origins: $min_origins,
      exclude_denied: $exclude_denied, evidence_only: $evidence_only} AS filters
WITH o, d, originIds, destIds, s, l, support, @fact-passes(support, filters) AS passes
OPTIONAL MATCH (l)-[:DEPARTS_FROM]->(a:Place)
OPTIONAL MATCH (l)-[:ARRIVES_AT]->(b:Place)
OPTIONAL MATCH (l)-[:PASSES_THROUGH]->(v:Place)
WITH o, d, originIds, destIds, s, l, support, passes, a, b, collect(DISTINCT v) AS via
ORDER BY l.order
WITH o, d, originIds, destIds, s,
     collect([l.order, l.sources]) AS legSources,
     collect([[a] + via + [b], passes, l.order]) AS legStops,
     collect(CASE WHEN passes THEN {leg: l.order, departs: a.name, arrives: b.name, mode: l.mode,
                                    grade: support.grade, credibility: support.credibility,
                                    origins: support.origins, status: support.status,
                                    claims: support.claims} END) AS legs
// each stop with whether the leg that reaches it passes the filters, and that leg
WITH o, d, originIds, destIds, s, legSources, legs,
     reduce(acc = [], stop IN legStops | acc + [x IN stop[0] WHERE x IS NOT NULL | [x, stop[1], stop[2]]]) AS allStops
// a leg that starts where the previous one arrived does not repeat the place
WITH o, d, originIds, destIds, s, legSources, legs,
     [i IN range(0, size(allStops) - 1) WHERE i = 0 OR allStops[i][0].id <> allStops[i - 1][0].id | allStops[i]] AS stops
WITH o, d, s, legSources, legs, stops,
     [i IN range(0, size(stops) - 1) WHERE stops[i][0].id IN originIds] AS atOrigin,
     [i IN range(0, size(stops) - 1) WHERE stops[i][0].id IN destIds] AS atDest
WHERE size(atOrigin) > 0 AND size(atDest) > 0 AND atOrigin[0] < atDest[size(atDest) - 1]
  // a route that needs a leg the filters leave out is not a route
  AND all(i IN range(atOrigin[0] + 1, atDest[size(atDest) - 1]) WHERE stops[i][1])
// the legs of the stretch: those that reach its stops after the first
WITH o, d, s, legSources, legs, stops[atOrigin[0]..atDest[size(atDest) - 1] + 1] AS stretch,
     [st IN stops[atOrigin[0] + 1..atDest[size(atDest) - 1] + 1] | st[2]] AS used
WITH o, d, s, [lg IN legs WHERE lg.leg IN used] AS legs, [st IN stretch | st[0]] AS route,
     reduce(acc = [], xs IN [ls IN legSources WHERE ls[0] IN used | ls[1]] |
            acc + [x IN coalesce(xs, []) WHERE NOT x IN acc]) AS sourceIds
UNWIND (CASE WHEN size(coalesce(sourceIds, [])) = 0 THEN [null] ELSE sourceIds END) AS sourceId
OPTIONAL MATCH (src:Entity {id: sourceId})
RETURN o.name AS origin, d.name AS destination, s.name AS shipment,
       [p IN route | p.name] AS route, [lg IN legs | lg.mode] AS modes, collect(DISTINCT src.name) AS sources, legs
ORDER BY shipment
