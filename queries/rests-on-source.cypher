// name: rests-on-source
// title: What rests on a source — and what would fall without it
// description: >
//   Every relationship in the graph that cites the source among its evidence, and whether
//   it has other sources too. `only this source` marks the facts that would be unsupported
//   if the source were discredited.
// params:
//   source: {type: entity, kinds: [Source], required: true, example: MEMO article, description: "A document or informant"}
// tags: [provenance]
MATCH (src:Entity {id: $source})
MATCH (a)-[r]->(b)
WHERE src.id IN r.sources AND NOT type(r) IN ['ASSERTS', 'ATTRIBUTED_TO', 'ABOUT', 'CITES', 'PUBLISHED_BY']
RETURN a.name AS from, type(r) AS type, b.name AS to, size(r.sources) AS sources,
       CASE WHEN size(r.sources) = 1 THEN 'only this source' ELSE 'also others' END AS support,
       r.credibility AS credibility
ORDER BY support DESC, type, from, to
