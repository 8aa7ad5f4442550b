// name: conflicts
// title: Where sources disagree on a value
// description: >
//   Every single-valued property (a coordinate, a date, a flag, a body type ...) to which
//   sources give different values: each value once, with the sources that give it, and which
//   one the graph shows (`chosen`, by the schema's rule: best-graded source, then the latest
//   report, then the smallest value — never load order). Lists such as aliases are unions and
//   never conflict. `intelgraph show ENTITY` lists every value of one entity with its quotes.
// params:
//   entity: {type: entity, example: Astrakhan, description: "Only this entity; every one when omitted"}
// tags: [provenance, sources]
MATCH (n:Entity)
WHERE n.statements IS NOT NULL AND ($entity IS NULL OR n.id = $entity)
UNWIND range(0, size(n.statements) - 1) AS i
WITH n, i, n.statements[i] AS s
WITH n, i, s, split(s, '"')[1] AS property, split(s, '"')[3] AS sourceId
WITH n, i, property, sourceId,
     substring(s, size(property) + size(sourceId) + 7, size(s) - size(property) - size(sourceId) - 8) AS value
WHERE NOT value STARTS WITH '['
OPTIONAL MATCH (src:Entity {id: sourceId})
WITH n, i, property, value, coalesce(src.name, sourceId) AS source
ORDER BY source
WITH n, property, value, min(i) AS first, collect(source) AS sources
WITH n, property, collect({value: value, first: first, sources: sources}) AS values
WHERE size(values) > 1
WITH n, property, values, reduce(m = size(n.statements), x IN values | CASE WHEN x.first < m THEN x.first ELSE m END) AS best
UNWIND values AS v
RETURN n.name AS entity, n.kind AS kind, property,
       CASE WHEN v.value STARTS WITH '"' THEN substring(v.value, 1, size(v.value) - 2) ELSE v.value END AS value,
       v.first = best AS chosen, v.sources AS sources, n.id AS id
ORDER BY entity, kind, id, property, chosen DESC, value
