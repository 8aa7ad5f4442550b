// name: rests-on-source
// title: What rests on a source — and what would fall without it
// description: >
//   The claims whose attribution chain passes through the source -- it asserts them, is credited
//   with them, or stands between the asserting document and their origin (see the `origins` and
//   `downstream` fragments) -- and the facts resting on those claims or on the source's own
//   evidence. `only this source` marks what would be unsupported if the source were discredited:
//   a claim all of whose origins are the source or lie downstream of it, and that no one else
//   confirms (discrediting the Guardian takes down what MEMO and Al Jazeera repeat from it); a
//   fact all of whose claims fall and whose evidence comes from no document other than the
//   source and its claims' own.
// params:
//   source: {type: entity, kinds: [Source, Actor], required: true, example: MEMO article, description: "A document, informant or person"}
// tags: [provenance]
MATCH (src:Entity {id: $source})
@downstream(src, below)
MATCH (a:Source)-[:ASSERTS]->(c:Claim)
@downstream(a, a_below, src, below, c)
@origins(c, origins, src, below, a, a_below)
WITH src, below, a, c, [o IN origins | o.id] AS oids, [(c)-[:ATTRIBUTED_TO]->(x) | x.id] AS credited, a_below,
     [(confirmer)-[:CONFIRMS]->(c) | confirmer.id] AS confirmers
WHERE a.id = src.id OR src.id IN credited OR (src.id IN a_below AND any(o IN oids WHERE o IN below))
WITH src, collect({id: c.id, what: c.statement, by: a.name,
                   falls: (a.id = src.id OR all(o IN oids WHERE o = src.id OR o IN below))
                          AND all(k IN confirmers WHERE k = src.id OR k IN below)}) AS resting
WITH src, resting, [k IN resting WHERE k.falls | k.id] AS falling
OPTIONAL MATCH (x)-[r]->(y)
WHERE NOT type(r) IN ['ASSERTS', 'ATTRIBUTED_TO', 'ABOUT', 'CITES', 'PUBLISHED_BY',
                       'DENIES', 'DOUBTS', 'DECLINES_TO_COMMENT', 'NOT_YET_RESPONDED', 'CONFIRMS']
  AND (any(cid IN coalesce(r.claims, []) WHERE any(k IN resting WHERE k.id = cid))
       OR (size(coalesce(r.claims, [])) = 0 AND src.id IN coalesce(r.sources, [])))
WITH src, resting, falling, x, r, y,
     [(k:Claim)<-[:ASSERTS]-(ka) | [k.id, ka.id]] AS asserted_by
WITH src, resting, falling, x, r, y,
     [p IN asserted_by WHERE p[0] IN coalesce(r.claims, []) | p[1]] AS claim_docs
WITH src, resting,
     collect(CASE WHEN r IS NULL THEN null ELSE
       {kind: 'fact', what: x.name + ' ' + type(r) + ' ' + y.name, by: null,
        falls: all(cid IN coalesce(r.claims, []) WHERE cid IN falling)
               AND all(e IN coalesce(r.evidence, []) WHERE split(e, ' | ')[0] = src.id
                                                        OR split(e, ' | ')[0] IN claim_docs)} END) AS facts
UNWIND [k IN resting | {kind: 'claim', what: k.what, by: k.by, falls: k.falls}] + facts AS row
RETURN DISTINCT row.kind AS kind, row.what AS what, row.by AS reported_by,
       CASE WHEN row.falls THEN 'only this source' ELSE 'also others' END AS support
ORDER BY support DESC, kind, what, reported_by
