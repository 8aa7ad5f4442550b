// name: connections
// title: Shortest connections between two entities, step by step, with their support
// description: >
//   The shortest chains of ties between two actors (or any two entities) — membership,
//   support, alliance, association, shipments sent, handled and received — whatever the
//   direction of each tie. Each step names its relationship type, its direction, the sources
//   behind it and its support: `grade` and `credibility` of its best uncontested claim (1 only
//   with two or more independent origins), `origins`, `status` (uncontested, contested, denied,
//   or evidence for a tie resting on no claim) and `claims` (see the `fact-support` fragment).
//   The filters are applied during the search, to every step: max_credibility, min_origins,
//   exclude_denied, and evidence_only (false leaves out ties resting on no claim; true keeps
//   them, an ungraded one whatever max_credibility).
// params:
//   from: {type: entity, required: true, example: PMF, description: "One end (name, alias or id)"}
//   to: {type: entity, required: true, example: Russia, description: "The other end"}
//   max_hops: {type: int, default: 6, min: 1, max: 6, example: 4, description: "Longest chain to report"}
//   max_credibility: {type: int, default: 6, min: 1, max: 6, example: 6, description: "Worst credibility a step's best uncontested claim may have (1 best, 6 cannot be judged)"}
//   min_origins: {type: int, default: 1, min: 1, max: 100, example: 1, description: "Fewest independent origins a step must have"}
//   exclude_denied: {type: bool, default: false, example: false, description: "Leave out ties every claim of which is denied"}
//   evidence_only: {type: bool, default: true, example: true, description: "Keep ties resting on evidence alone, no claim (shown with status evidence)"}
//   limit: {type: int, default: 10, min: 1, max: 1000, example: 10, description: "At most this many paths"}
// tags: [network, provenance, paths]
UNWIND (CASE WHEN $max_credibility < 6 OR $min_origins > 1 OR $exclude_denied OR NOT $evidence_only
        THEN [1] ELSE [] END) AS judging
// the ties the filters leave out, each judged once; with every filter at its default none can
// fail, and none is read
MATCH ()-[t:MEMBER_OF|PART_OF|SUPPORTS|ALLIED_WITH|ASSOCIATED_WITH|AGREEMENT_WITH|OPPOSES|SPEAKS_FOR|BASED_IN|SENT|HANDLED|RECEIVED|CARRIED|HAS_LEG|OPERATED_BY|FLAGGED_IN]->()
UNWIND (CASE WHEN size(coalesce(t.claims, [])) = 0 THEN [null] ELSE t.claims END) AS claimId
OPTIONAL MATCH (c:Entity {id: claimId}) WHERE c:Claim
@claim-support(c, claimed, t)
WITH t, collect(claimed) AS claimed
@fact-support(t, claimed, support)
WITH t, support, {max_credibility: $max_credibility, min_origins: $min_origins,
                  exclude_denied: $exclude_denied, evidence_only: $evidence_only} AS filters
WHERE NOT @fact-passes(support, filters)
WITH collect(t.id) AS failing
MATCH (a:Entity {id: $from}), (b:Entity {id: $to})
WITH a, b, failing
MATCH p = allShortestPaths((a)-[:MEMBER_OF|PART_OF|SUPPORTS|ALLIED_WITH|ASSOCIATED_WITH|AGREEMENT_WITH|OPPOSES|SPEAKS_FOR|BASED_IN|SENT|HANDLED|RECEIVED|CARRIED|HAS_LEG|OPERATED_BY|FLAGGED_IN*..6]-(b))
WHERE length(p) <= $max_hops AND all(r IN relationships(p) WHERE NOT r.id IN failing)
// a total order before the cut: which paths are kept must not depend on the engine
WITH p ORDER BY [n IN nodes(p) | n.id], [r IN relationships(p) | r.id]
LIMIT $limit
WITH collect(p) AS paths
UNWIND range(0, size(paths) - 1) AS pathNo
WITH pathNo, paths[pathNo] AS p
UNWIND range(0, length(p) - 1) AS i
WITH pathNo, p, i, relationships(p)[i] AS r, nodes(p)[i] AS here, nodes(p)[i + 1] AS next
UNWIND (CASE WHEN size(coalesce(r.claims, [])) = 0 THEN [null] ELSE r.claims END) AS claimId
OPTIONAL MATCH (c:Entity {id: claimId}) WHERE c:Claim
@claim-support(c, claimed, pathNo, p, i, r, here, next)
WITH pathNo, p, i, r, here, next, claimed ORDER BY claimed.name
WITH pathNo, p, i, r, here, next, collect(claimed) AS claimed
@fact-support(r, claimed, support, pathNo, p, i, here, next)
UNWIND (CASE WHEN size(coalesce(r.sources, [])) = 0 THEN [null] ELSE r.sources END) AS sourceId
OPTIONAL MATCH (src:Entity {id: sourceId})
WITH pathNo, p, i, r, here, next, support, collect(DISTINCT src.name) AS sources
ORDER BY pathNo, i
WITH pathNo, p, collect({step: i + 1, from: here.name, type: type(r),
                         direction: CASE WHEN startNode(r) = here THEN 'forward' ELSE 'backward' END,
                         to: next.name, sources: sources, grade: support.grade, credibility: support.credibility,
                         origins: support.origins, status: support.status, claims: support.claims}) AS steps
RETURN pathNo + 1 AS path, length(p) AS hops, [n IN nodes(p) | n.name] AS entities, steps
ORDER BY path
