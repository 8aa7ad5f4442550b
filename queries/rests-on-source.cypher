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
//   With as_of, only the claims, confirmations and facts' claims that documents dated on or before
//   that day report (see the `as-of-documents` fragment): what would have fallen with the source
//   then; `undated_left_out` counts the undated documents left out.
// params:
//   source: {type: entity, kinds: [Source, Actor], required: true, example: MEMO article, description: "A document, informant or person"}
//   as_of: {type: date, example: "2022-04-13", description: "Only what documents dated on or before this day report (undated ones are left out and counted)"}
// tags: [provenance]
WITH $as_of AS as_of
@as-of-documents(as_of, known_docs, undated_docs)
MATCH (src:Entity {id: $source})
@downstream(src, below, known_docs, undated_docs)
MATCH (a:Source)-[:ASSERTS]->(c:Claim)
@downstream(a, a_below, known_docs, undated_docs, src, below, c)
@origins(c, origins, known_docs, undated_docs, src, below, a, a_below)
WITH known_docs, undated_docs, src, below, a, c, [o IN origins | o.id] AS oids,
     [(c)-[:ATTRIBUTED_TO]->(x) | x.id] AS credited, a_below, [a.id] AS aIds,
     [(confirmer)-[cf:CONFIRMS]->(c) | {id: confirmer.id, ids: coalesce(cf.sources, [])}] AS confirmations
WHERE a.id = src.id OR src.id IN credited OR (src.id IN a_below AND any(o IN oids WHERE o IN below))
// the claim counts when its document is known by the day, a confirmation when its reporter is
WITH known_docs, undated_docs, src, below, a, c, oids, aIds, @known-by(aIds, known_docs) AS known,
     [m IN confirmations WHERE size([ids IN [m.ids] WHERE @known-by(ids, known_docs)]) > 0 | m.id] AS confirmers,
     reduce(acc = [], m IN [m IN confirmations WHERE size([ids IN [m.ids] WHERE @known-by(ids, known_docs)]) = 0] |
            acc + m.ids) AS cfLeftOut
WITH known_docs, undated_docs, src,
     collect({id: c.id, what: c.statement, by: a.name, known: known,
              undated: [i IN CASE WHEN known THEN cfLeftOut ELSE aIds END WHERE i IN undated_docs],
              falls: (a.id = src.id OR all(o IN oids WHERE o = src.id OR o IN below))
                     AND all(k IN confirmers WHERE k = src.id OR k IN below)}) AS claimed
WITH known_docs, src, claimed, [k IN claimed WHERE k.known] AS resting
WITH known_docs, src, claimed, resting, [k IN resting WHERE k.falls | k.id] AS falling
OPTIONAL MATCH (x)-[r]->(y)
WHERE NOT type(r) IN ['ASSERTS', 'ATTRIBUTED_TO', 'ABOUT', 'CITES', 'PUBLISHED_BY',
                       'DENIES', 'DOUBTS', 'DECLINES_TO_COMMENT', 'NOT_YET_RESPONDED', 'CONFIRMS']
  AND (any(cid IN coalesce(r.claims, []) WHERE any(k IN resting WHERE k.id = cid))
       OR (size(coalesce(r.claims, [])) = 0 AND src.id IN coalesce(r.sources, [])))
WITH known_docs, src, claimed, falling, x, r, y, coalesce(r.sources, []) AS rSources,
     [(k:Claim)<-[:ASSERTS]-(ka) | [k.id, ka.id]] AS asserted_by
// a fact's claims and evidence known by the day; a claim or document reported later supports nothing yet
WITH known_docs, src, claimed, falling, x, r, y, rSources,
     [p IN asserted_by WHERE p[0] IN coalesce(r.claims, []) | p[1]] AS claim_docs,
     [p IN asserted_by WHERE size([ids IN [[p[1]]] WHERE @known-by(ids, known_docs)]) > 0 | p[0]] AS known_claims
WITH src, claimed,
     collect(CASE WHEN r IS NULL OR NOT (size(coalesce(r.claims, [])) > 0 OR @known-by(rSources, known_docs)) THEN null ELSE
       {kind: 'fact', what: x.name + ' ' + type(r) + ' ' + y.name, by: null, known: true, undated: [],
        falls: all(cid IN coalesce(r.claims, []) WHERE cid IN falling OR NOT cid IN known_claims)
               AND all(e IN coalesce(r.evidence, []) WHERE split(e, ' | ')[0] = src.id
                       OR split(e, ' | ')[0] IN claim_docs
                       OR size([ids IN [[split(e, ' | ')[0]]] WHERE @known-by(ids, known_docs)]) = 0)} END) AS facts
WITH [k IN claimed | {kind: 'claim', what: k.what, by: k.by, falls: k.falls, known: k.known, undated: k.undated}]
     + facts AS candidates
@as-of-rows(candidates, rows, left_out)
UNWIND rows AS row
RETURN DISTINCT row.kind AS kind, row.what AS what, row.by AS reported_by,
       CASE WHEN row IS NULL THEN null WHEN row.falls THEN 'only this source' ELSE 'also others' END AS support,
       left_out AS undated_left_out
ORDER BY support DESC, kind, what, reported_by
