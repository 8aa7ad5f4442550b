// name: chokepoints
// title: Chokepoints — places most shipments pass through
// description: >
//   Places ranked by how many shipments depart from, pass through or arrive at them, and by
//   how many legs touch them, with the shipments named.
// params:
//   min_shipments: {type: int, default: 1, min: 1, example: 1, description: "Leave out places touched by fewer shipments"}
//   limit: {type: int, default: 25, min: 1, max: 10000, example: 10, description: "At most this many places"}
// tags: [routes, shipments, ranking]
MATCH (s:Shipment)-[:HAS_LEG]->(l:Leg)-[r:DEPARTS_FROM|ARRIVES_AT|PASSES_THROUGH]->(p:Place)
WITH p, count(DISTINCT s) AS shipments, count(DISTINCT l) AS legs,
     collect(DISTINCT s.name) AS shipment_names, collect(DISTINCT type(r)) AS roles
WHERE shipments >= $min_shipments
RETURN p.name AS place, p.kind AS kind, shipments, legs, roles, shipment_names
ORDER BY shipments DESC, legs DESC, place
LIMIT $limit
