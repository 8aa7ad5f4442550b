// name: routes-between
// title: Known routes between two places or countries
// description: >
//   Every shipment whose legs pass first through the origin (or a place located in it) and
//   later through the destination (or a place located in it), with the stretch of the route
//   between them, the modes used and the sources behind the legs.
// params:
//   origin: {type: entity, kinds: [Place], required: true, example: Iraq, description: "Where the route starts (place or country)"}
//   destination: {type: entity, kinds: [Place], required: true, example: Russia, description: "Where the route ends (place or country)"}
// tags: [routes, shipments]
MATCH (o:Entity {id: $origin})
OPTIONAL MATCH (inO:Place)-[:LOCATED_IN*1..3]->(o)
WITH o, collect(inO.id) AS inside
WITH o, inside + [o.id] AS originIds
MATCH (d:Entity {id: $destination})
OPTIONAL MATCH (inD:Place)-[:LOCATED_IN*1..3]->(d)
WITH o, d, originIds, collect(inD.id) AS inside
WITH o, d, originIds, inside + [d.id] AS destIds
MATCH (s:Shipment)-[:HAS_LEG]->(l:Leg)
OPTIONAL MATCH (l)-[:DEPARTS_FROM]->(a:Place)
OPTIONAL MATCH (l)-[:ARRIVES_AT]->(b:Place)
OPTIONAL MATCH (l)-[:PASSES_THROUGH]->(v:Place)
WITH o, d, originIds, destIds, s, l, a, b, collect(DISTINCT v) AS via
ORDER BY l.order
WITH o, d, originIds, destIds, s,
     collect(l.mode) AS modes, collect(l.sources) AS legSources, collect([a] + via + [b]) AS legStops
WITH o, d, originIds, destIds, s, modes, legSources,
     reduce(acc = [], stop IN legStops | acc + [x IN stop WHERE x IS NOT NULL]) AS allStops
// a leg that starts where the previous one arrived does not repeat the place
WITH o, d, originIds, destIds, s, modes, legSources,
     [i IN range(0, size(allStops) - 1) WHERE i = 0 OR allStops[i].id <> allStops[i - 1].id | allStops[i]] AS stops
WITH o, d, s, modes, legSources, stops,
     [i IN range(0, size(stops) - 1) WHERE stops[i].id IN originIds] AS atOrigin,
     [i IN range(0, size(stops) - 1) WHERE stops[i].id IN destIds] AS atDest
WHERE size(atOrigin) > 0 AND size(atDest) > 0 AND atOrigin[0] < atDest[size(atDest) - 1]
WITH o, d, s, modes, stops[atOrigin[0]..atDest[size(atDest) - 1] + 1] AS route,
     reduce(acc = [], xs IN legSources | acc + [x IN coalesce(xs, []) WHERE NOT x IN acc]) AS sourceIds
UNWIND (CASE WHEN size(coalesce(sourceIds, [])) = 0 THEN [null] ELSE sourceIds END) AS sourceId
OPTIONAL MATCH (src:Entity {id: sourceId})
RETURN o.name AS origin, d.name AS destination, s.name AS shipment,
       [p IN route | p.name] AS route, modes, collect(DISTINCT src.name) AS sources
ORDER BY shipment
