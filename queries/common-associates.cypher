// name: common-associates
// title: Common associates of two entities
// description: >
//   Entities tied directly to both given entities (by membership, support, alliance,
//   association or a shared shipment), with the ties on each side and their sources.
// params:
//   first: {type: entity, required: true, example: PMF, description: "One entity"}
//   second: {type: entity, required: true, example: Russia, description: "The other"}
// tags: [network]
MATCH (a:Entity {id: $first}), (b:Entity {id: $second})
MATCH (a)-[r1:MEMBER_OF|PART_OF|SUPPORTS|ALLIED_WITH|ASSOCIATED_WITH|AGREEMENT_WITH|OPPOSES|SPEAKS_FOR|BASED_IN|SENT|HANDLED|RECEIVED|CARRIED|HAS_LEG|OPERATED_BY|FLAGGED_IN]-(c)-[r2:MEMBER_OF|PART_OF|SUPPORTS|ALLIED_WITH|ASSOCIATED_WITH|AGREEMENT_WITH|OPPOSES|SPEAKS_FOR|BASED_IN|SENT|HANDLED|RECEIVED|CARRIED|HAS_LEG|OPERATED_BY|FLAGGED_IN]-(b)
WHERE c <> a AND c <> b
WITH a, b, c, collect(DISTINCT type(r1)) AS firstTies, collect(DISTINCT type(r2)) AS secondTies,
     collect(r1.sources) + collect(r2.sources) AS sourceLists
WITH a, b, c, firstTies, secondTies,
     reduce(acc = [], xs IN sourceLists | acc + [x IN coalesce(xs, []) WHERE NOT x IN acc]) AS sourceIds
UNWIND (CASE WHEN size(coalesce(sourceIds, [])) = 0 THEN [null] ELSE sourceIds END) AS sourceId
OPTIONAL MATCH (src:Entity {id: sourceId})
RETURN c.name AS associate, c.kind AS kind, a.name AS first, firstTies, b.name AS second, secondTies,
       collect(DISTINCT src.name) AS sources
ORDER BY associate
