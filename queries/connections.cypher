// name: connections
// title: Shortest connections between two entities, step by step, with their sources
// description: >
//   The shortest chains of ties between two actors (or any two entities) — membership,
//   support, alliance, association, shipments sent, handled and received — whatever the
//   direction of each tie. Each step names its relationship type, its direction, the sources
//   behind it and its best Admiralty credibility. Paths with a step graded worse than
//   max_credibility (or with no grading when max_credibility < 6) are left out.
// params:
//   from: {type: entity, required: true, example: PMF, description: "One end (name, alias or id)"}
//   to: {type: entity, required: true, example: Russia, description: "The other end"}
//   max_hops: {type: int, default: 6, min: 1, max: 6, example: 4, description: "Longest chain to report"}
//   max_credibility: {type: int, default: 6, min: 1, max: 6, example: 6, description: "Worst credibility a step may have (1 best, 6 cannot be judged)"}
//   limit: {type: int, default: 10, min: 1, max: 1000, example: 10, description: "At most this many paths"}
// tags: [network, provenance, paths]
MATCH (a:Entity {id: $from}), (b:Entity {id: $to})
WITH a, b
MATCH p = allShortestPaths((a)-[:MEMBER_OF|PART_OF|SUPPORTS|ALLIED_WITH|ASSOCIATED_WITH|AGREEMENT_WITH|OPPOSES|SPEAKS_FOR|BASED_IN|SENT|HANDLED|RECEIVED|CARRIED|HAS_LEG|OPERATED_BY|FLAGGED_IN*..6]-(b))
WHERE length(p) <= $max_hops
  AND all(r IN relationships(p) WHERE coalesce(r.credibility, 6) <= $max_credibility)
// a total order before the cut: which paths are kept must not depend on the engine
WITH p ORDER BY [n IN nodes(p) | n.id], [r IN relationships(p) | r.id]
LIMIT $limit
WITH collect(p) AS paths
UNWIND range(0, size(paths) - 1) AS pathNo
WITH pathNo, paths[pathNo] AS p
UNWIND range(0, length(p) - 1) AS i
WITH pathNo, p, i, relationships(p)[i] AS r, nodes(p)[i] AS here, nodes(p)[i + 1] AS next
UNWIND (CASE WHEN size(coalesce(r.sources, [])) = 0 THEN [null] ELSE r.sources END) AS sourceId
OPTIONAL MATCH (src:Entity {id: sourceId})
WITH pathNo, p, i, r, here, next, collect(DISTINCT src.name) AS sources
ORDER BY pathNo, i
WITH pathNo, p, collect({step: i + 1, from: here.name, type: type(r),
                         direction: CASE WHEN startNode(r) = here THEN 'forward' ELSE 'backward' END,
                         to: next.name, sources: sources, credibility: r.credibility}) AS steps
RETURN pathNo + 1 AS path, length(p) AS hops, [n IN nodes(p) | n.name] AS entities, steps
ORDER BY path
