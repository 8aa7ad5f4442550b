// name: shipment-route
// title: Route of a shipment, leg by leg
// description: >
//   Each shipment's legs in order: where each leg departs, the places it passes through,
//   where it arrives, the mode, the carriers and the dates, with the sources behind the leg.
//   `stops` lists the places of the leg in travel order. Without a shipment, all shipments.
// params:
//   shipment: {type: entity, kinds: [Shipment], example: "PMF weapons to Russia via Iran", description: "The shipment (name, alias or id); all shipments when omitted"}
// tags: [routes, shipments]
MATCH (s:Shipment)-[:HAS_LEG]->(l:Leg)
WHERE $shipment IS NULL OR s.id = $shipment
OPTIONAL MATCH (l)-[:DEPARTS_FROM]->(a:Place)
OPTIONAL MATCH (l)-[:ARRIVES_AT]->(b:Place)
OPTIONAL MATCH (l)-[:PASSES_THROUGH]->(v:Place)
WITH s, l, a, b, collect(DISTINCT v.name) AS via
OPTIONAL MATCH (c)-[:CARRIED]->(l)
WITH s, l, a, b, via, collect(DISTINCT c.name) AS carriers
UNWIND (CASE WHEN size(coalesce(l.sources, [])) = 0 THEN [null] ELSE l.sources END) AS sourceId
OPTIONAL MATCH (src:Entity {id: sourceId})
WITH s, l, a, b, via, carriers, collect(DISTINCT src.name) AS sources
RETURN s.name AS shipment, l.order AS leg, a.name AS departs, via, b.name AS arrives,
       [x IN [a.name] + via + [b.name] WHERE x IS NOT NULL] AS stops,
       l.mode AS mode, carriers, toString(l.date_from) AS date_from, toString(l.date_to) AS date_to,
       sources
ORDER BY shipment, leg
