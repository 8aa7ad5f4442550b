// name: materiel
// title: Materiel in shipments, with its origin
// description: >
//   Each piece of materiel, the shipments that carry it (with quantities where reported) and
//   the country it was made or designed in.
// tags: [shipments, materiel]
MATCH (m:Materiel)
OPTIONAL MATCH (s:Shipment)-[c:CONTAINS]->(m)
OPTIONAL MATCH (m)-[:ORIGINATES_FROM]->(o:Country)
RETURN m.name AS materiel, m.materiel_type AS type, collect(DISTINCT o.name) AS origin,
       collect(DISTINCT s.name) AS shipments, toInteger(sum(coalesce(c.quantity, 0))) AS reported_quantity
ORDER BY materiel
