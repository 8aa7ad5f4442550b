// name: materiel
// title: Materiel in shipments, with its origin
// description: >
//   Each piece of materiel and the country it was made or designed in, one row per shipment
//   that carries it, with the quantity that shipment's reporting gives (null when no number
//   is reported, never 0) and the larger shipments it is part of. Quantities are not summed
//   across shipments: a shipment may be one consignment or example of another.
// tags: [shipments, materiel]
MATCH (m:Materiel)
OPTIONAL MATCH (m)-[:ORIGINATES_FROM]->(o:Country)
WITH m, collect(DISTINCT o.name) AS origin
OPTIONAL MATCH (s:Shipment)-[c:CONTAINS]->(m)
OPTIONAL MATCH (s)-[:PART_OF_SHIPMENT*1..]->(whole:Shipment)
RETURN m.name AS materiel, m.materiel_type AS type, origin, s.name AS shipment,
       c.quantity AS quantity, c.note AS note, collect(DISTINCT whole.name) AS part_of
ORDER BY materiel, shipment
