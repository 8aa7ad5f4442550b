// name: network
// title: Neighbourhood of an entity, up to three hops
// description: >
//   Everything tied to an entity within k hops (membership, support, alliance, association,
//   shipments and their parties), nearest first, with the ties that reach it from the ring before and the entities they come from. Ties are followed
//   whatever their direction. Breadth-first, ring by ring, so a hub does not explode into paths.
// params:
//   entity: {type: entity, required: true, example: "Iranian army", description: "The entity at the centre (name, alias or id)"}
//   hops: {type: int, default: 2, min: 1, max: 3, example: 2, description: "How far to go"}
//   limit: {type: int, default: 200, min: 1, max: 100000, example: 50, description: "At most this many neighbours"}
// tags: [network]
MATCH (a:Entity {id: $entity})
OPTIONAL MATCH (a)-[t1:MEMBER_OF|PART_OF|SUPPORTS|ALLIED_WITH|ASSOCIATED_WITH|AGREEMENT_WITH|OPPOSES|SPEAKS_FOR|BASED_IN|SENT|HANDLED|RECEIVED|CARRIED|HAS_LEG|OPERATED_BY|FLAGGED_IN]-(n1)
WHERE n1 <> a
WITH a, n1, collect(DISTINCT type(t1)) AS ties1
WITH a, collect(n1) AS ring1, collect([n1.name, n1.kind, ties1, [a.name], 1]) AS rows1
UNWIND (CASE WHEN $hops >= 2 AND size(ring1) > 0 THEN ring1 ELSE [null] END) AS x1
OPTIONAL MATCH (x1)-[t2:MEMBER_OF|PART_OF|SUPPORTS|ALLIED_WITH|ASSOCIATED_WITH|AGREEMENT_WITH|OPPOSES|SPEAKS_FOR|BASED_IN|SENT|HANDLED|RECEIVED|CARRIED|HAS_LEG|OPERATED_BY|FLAGGED_IN]-(n2)
WHERE n2 <> a AND NOT n2 IN ring1
WITH a, ring1, rows1, n2, collect(DISTINCT type(t2)) AS ties2, collect(DISTINCT x1.name) AS from2
WITH a, ring1, rows1, collect(n2) AS ring2, collect([n2.name, n2.kind, ties2, from2, 2]) AS rows2
UNWIND (CASE WHEN $hops >= 3 AND size(ring2) > 0 THEN ring2 ELSE [null] END) AS x2
OPTIONAL MATCH (x2)-[t3:MEMBER_OF|PART_OF|SUPPORTS|ALLIED_WITH|ASSOCIATED_WITH|AGREEMENT_WITH|OPPOSES|SPEAKS_FOR|BASED_IN|SENT|HANDLED|RECEIVED|CARRIED|HAS_LEG|OPERATED_BY|FLAGGED_IN]-(n3)
WHERE n3 <> a AND NOT n3 IN ring1 AND NOT n3 IN ring2
WITH a, rows1, rows2, n3, collect(DISTINCT type(t3)) AS ties3, collect(DISTINCT x2.name) AS from3
WITH a, rows1, rows2, collect([n3.name, n3.kind, ties3, from3, 3]) AS rows3
UNWIND rows1 + rows2 + rows3 AS hit
WITH a, hit
WHERE hit[0] IS NOT NULL
RETURN a.name AS centre, hit[0] AS neighbour, hit[1] AS kind, hit[4] AS distance, hit[2] AS ties, hit[3] AS reached_from
ORDER BY distance, neighbour
LIMIT $limit
