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
//   that day report (see the `known-by` fragment): what would have fallen with the source
//   then; `undated_left_out` counts the undated documents left out.
// params:
//   source: {type: entity, kinds: [Source, Actor], required: true, example: MEMO article, description: "A document, informant or person"}
//   as_of: {type: date, example: "2022-04-13", description: "Only what documents dated on or before this day report (undated ones are left out and counted)"}
// tags: [provenance]
WITH $as_of AS as_of
MATCH (src:Entity {id: $source})
@downstream(src, below, as_of)
MATCH (a:Source)-[:ASSERTS]->(c:Claim)
@downstream(a, a_below, as_of, src, below, c)
@origins(c, origins, as_of, src, below, a, a_below)
WITH as_of, src, below, a, c, [o IN origins | o.id] AS oids,
     [(c)-[:ATTRIBUTED_TO]->(x) | x.id] AS credited, a_below, [a] AS aDocs
WHERE a.id = src.id OR src.id IN credited OR (src.id IN a_below AND any(o IN oids WHERE o IN below))
// the claim counts when its document is known by the day, a confirmation when a document reporting it is
OPTIONAL MATCH (confirmer)-[cf:CONFIRMS]->(c)
UNWIND (CASE WHEN size(coalesce(cf.sources, [])) = 0 THEN [null] ELSE cf.sources END) AS cfSource
OPTIONAL MATCH (cfDoc:Entity {id: cfSource})
WITH as_of, src, below, a, c, oids, aDocs, confirmer, cf, collect(cfDoc) AS cfDocs
WITH as_of, src, below, a, c, oids, aDocs, confirmer, cfDocs, @known-by(cfDocs, as_of) AS cfKnown
WITH as_of, src, below, a, c, oids, aDocs,
     collect(CASE WHEN confirmer IS NOT NULL AND cfKnown THEN confirmer.id END) AS confirmers,
     collect(CASE WHEN confirmer IS NOT NULL AND NOT cfKnown THEN @undated-docs(cfDocs, as_of) END) AS cfLeftOut
WITH as_of, src, below, a, c, oids, aDocs, confirmers, reduce(acc = [], ids IN cfLeftOut | acc + ids) AS cfLeftOut,
     @known-by(aDocs, as_of) AS known
WITH as_of, src,
     collect({id: c.id, what: c.statement, by: a.name, known: known,
              undated: CASE WHEN known THEN cfLeftOut ELSE @undated-docs(aDocs, as_of) END,
              falls: (a.id = src.id OR all(o IN oids WHERE o = src.id OR o IN below))
                     AND all(k IN confirmers WHERE k = src.id OR k IN below)}) AS claimed
WITH as_of, src, claimed, [k IN claimed WHERE k.known] AS resting
WITH as_of, src, claimed, resting, [k IN resting WHERE k.falls | k.id] AS falling
OPTIONAL MATCH (x)-[r]->(y)
WHERE NOT type(r) IN ['ASSERTS', 'ATTRIBUTED_TO', 'ABOUT', 'CITES', 'PUBLISHED_BY',
                       'DENIES', 'DOUBTS', 'DECLINES_TO_COMMENT', 'NOT_YET_RESPONDED', 'CONFIRMS']
  AND (any(cid IN coalesce(r.claims, []) WHERE any(k IN resting WHERE k.id = cid))
       OR (size(coalesce(r.claims, [])) = 0 AND src.id IN coalesce(r.sources, [])))
// a fact's claims and documents known by the day; a claim or document reported later supports nothing yet
// the facts in one row, and the documents and claims they name looked up once (by id, through
// Entity's index): grouping per fact would copy `claimed` into every group
WITH as_of, src, claimed, falling, collect(CASE WHEN r IS NULL THEN null ELSE [x, r, y] END) AS found
WITH as_of, src, claimed, falling, found,
     reduce(ids = [], f IN found | ids + [i IN coalesce(f[1].sources, []) + coalesce(f[1].claims, []) WHERE NOT i IN ids])
     AS named
UNWIND (CASE WHEN size(named) = 0 THEN [null] ELSE named END) AS namedId
OPTIONAL MATCH (n:Entity {id: namedId})
WITH as_of, src, claimed, falling, found, n,
     CASE WHEN n:Claim THEN [(n)<-[:ASSERTS]-(ka) | ka] ELSE [] END AS kas
WITH as_of, src, claimed, falling, found, collect(CASE WHEN n IS NULL THEN null ELSE [n, kas] END) AS looked
UNWIND (CASE WHEN size(found) = 0 THEN [null] ELSE found END) AS fact
WITH as_of, src, claimed, falling, looked, fact[0] AS x, fact[1] AS r, fact[2] AS y
WITH as_of, src, claimed, falling, x, r, y,
     [e IN looked WHERE e[0].id IN coalesce(r.sources, []) | e[0]] AS rDocs,
     reduce(pairs = [], e IN looked | pairs + CASE WHEN e[0].id IN coalesce(r.claims, [])
                                                 THEN [ka IN e[1] | [e[0].id, ka]] ELSE [] END) AS asserted_by
WITH src, claimed, falling, x, r, y, rDocs, @known-by(rDocs, as_of) AS rKnown,
     [p IN asserted_by | p[1].id] AS claim_docs,
     [p IN asserted_by WHERE size([ds IN [[p[1]]] WHERE @known-by(ds, as_of)]) > 0 | p[0]] AS known_claims,
     [d IN rDocs WHERE size([ds IN [[d]] WHERE @known-by(ds, as_of)]) = 0 | d.id] AS later_docs
WITH src, claimed,
     collect(CASE WHEN r IS NULL OR NOT (size(coalesce(r.claims, [])) > 0 OR rKnown) THEN null ELSE
       {kind: 'fact', what: x.name + ' ' + type(r) + ' ' + y.name, by: null, known: true, undated: [],
        falls: all(cid IN coalesce(r.claims, []) WHERE cid IN falling OR NOT cid IN known_claims)
               AND all(e IN coalesce(r.evidence, []) WHERE split(e, ' | ')[0] = src.id
                       OR split(e, ' | ')[0] IN claim_docs OR split(e, ' | ')[0] IN later_docs)} END) AS facts
WITH [k IN claimed | {kind: 'claim', what: k.what, by: k.by, falls: k.falls, known: k.known, undated: k.undated}]
     + facts AS candidates
@as-of-rows(candidates, rows, left_out)
UNWIND rows AS row
RETURN DISTINCT row.kind AS kind, row.what AS what, row.by AS reported_by,
       CASE WHEN row IS NULL THEN null WHEN row.falls THEN 'only this source' ELSE 'also others' END AS support,
       left_out AS undated_left_out
ORDER BY support DESC, kind, what, reported_by
