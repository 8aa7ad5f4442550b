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
OPTIONAL MATCH (a)-[r1:MEMBER_OF|PART_OF|SUPPORTS|ALLIED_WITH|ASSOCIATED_WITH|AGREEMENT_WITH|OPPOSES|SPEAKS_FOR|BASED_IN|SENT|HANDLED|RECEIVED|CARRIED|HAS_LEG|OPERATED_BY|FLAGGED_IN]-(n1)
WITH a, collect(DISTINCT n1) AS ring1
UNWIND (CASE WHEN $hops >= 2 AND size(ring1) > 0 THEN ring1 ELSE [null] END) AS x1
OPTIONAL MATCH (x1)-[:MEMBER_OF|PART_OF|SUPPORTS|ALLIED_WITH|ASSOCIATED_WITH|AGREEMENT_WITH|OPPOSES|SPEAKS_FOR|BASED_IN|SENT|HANDLED|RECEIVED|CARRIED|HAS_LEG|OPERATED_BY|FLAGGED_IN]-(n2)
WITH a, ring1, collect(DISTINCT n2) AS reach2
WITH a, ring1, [n IN reach2 WHERE n <> a AND NOT n IN ring1] AS ring2
UNWIND (CASE WHEN $hops >= 3 AND size(ring2) > 0 THEN ring2 ELSE [null] END) AS x2
OPTIONAL MATCH (x2)-[:MEMBER_OF|PART_OF|SUPPORTS|ALLIED_WITH|ASSOCIATED_WITH|AGREEMENT_WITH|OPPOSES|SPEAKS_FOR|BASED_IN|SENT|HANDLED|RECEIVED|CARRIED|HAS_LEG|OPERATED_BY|FLAGGED_IN]-(n3)
WITH a, ring1, ring2, collect(DISTINCT n3) AS reach3
WITH a, ring1, ring2, [n IN reach3 WHERE n <> a AND NOT n IN ring1 AND NOT n IN ring2] AS ring3
UNWIND ([x IN ring1 | [x, 1]] + [x IN ring2 | [x, 2]] + [x IN ring3 | [x, 3]]) AS hit
WITH a, ring1, ring2, hit[0] AS n, hit[1] AS distance
OPTIONAL MATCH (n)-[t:MEMBER_OF|PART_OF|SUPPORTS|ALLIED_WITH|ASSOCIATED_WITH|AGREEMENT_WITH|OPPOSES|SPEAKS_FOR|BASED_IN|SENT|HANDLED|RECEIVED|CARRIED|HAS_LEG|OPERATED_BY|FLAGGED_IN]-(m)
WHERE (distance = 1 AND m = a) OR (distance = 2 AND m IN ring1) OR (distance = 3 AND m IN ring2)
WITH a, n, distance, collect(DISTINCT type(t)) AS ties, collect(DISTINCT m.name) AS reached_from
RETURN a.name AS centre, n.name AS neighbour, n.kind AS kind, distance, ties, reached_from
ORDER BY distance, neighbour
LIMIT $limit
