// name: shipment-parties
// title: Who sent, handled, carried and received a shipment, and what it carried
// description: >
//   For one shipment (or all), every party by role — sent, handled, carried (a leg),
//   received — and every piece of materiel it contains, with quantities and sources.
// params:
//   shipment: {type: entity, kinds: [Shipment], example: "PMF weapons to Russia via Iran", description: "The shipment; all when omitted"}
// tags: [shipments, parties]
MATCH (s:Shipment)
WHERE $shipment IS NULL OR s.id = $shipment
MATCH (x)-[r:SENT|HANDLED|RECEIVED]->(s)
UNWIND (CASE WHEN size(coalesce(r.sources, [])) = 0 THEN [null] ELSE r.sources END) AS sourceId
OPTIONAL MATCH (src:Entity {id: sourceId})
WITH s, r, x, collect(DISTINCT src.name) AS sources
RETURN s.name AS shipment, toLower(type(r)) AS role, x.name AS party, x.kind AS kind, r.quantity AS quantity,
       sources, r.credibility AS credibility
UNION ALL
MATCH (s:Shipment)
WHERE $shipment IS NULL OR s.id = $shipment
MATCH (s)-[:HAS_LEG]->(l:Leg)<-[r:CARRIED]-(x)
UNWIND (CASE WHEN size(coalesce(r.sources, [])) = 0 THEN [null] ELSE r.sources END) AS sourceId
OPTIONAL MATCH (src:Entity {id: sourceId})
WITH s, l, r, x, collect(DISTINCT src.name) AS sources
RETURN s.name AS shipment, 'carried leg ' + toString(l.order) AS role, x.name AS party, x.kind AS kind,
       r.quantity AS quantity, sources, r.credibility AS credibility
UNION ALL
MATCH (s:Shipment)
WHERE $shipment IS NULL OR s.id = $shipment
MATCH (s)-[r:CONTAINS]->(m:Materiel)
UNWIND (CASE WHEN size(coalesce(r.sources, [])) = 0 THEN [null] ELSE r.sources END) AS sourceId
OPTIONAL MATCH (src:Entity {id: sourceId})
WITH s, r, m, collect(DISTINCT src.name) AS sources
RETURN s.name AS shipment, 'contains' AS role, m.name AS party, m.kind AS kind, r.quantity AS quantity,
       sources, r.credibility AS credibility
