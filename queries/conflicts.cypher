// name: conflicts
// title: Where sources disagree on a value
// description: >
//   Every single-valued property (a coordinate, a date, a flag, a body type ...) to which
//   sources give different values: each value once, with the sources that give it, and which
//   one the graph shows (`chosen`, by the schema's rule: best-graded source, then the latest
//   report, then the smallest value — never load order). Lists such as aliases are unions and
//   never conflict. A relationship's values (a shipment's CONTAINS quantity, a tie's end date)
//   are listed too: `entity` reads "A -[TYPE]-> B" and `kind` is its type; its discriminators
//   (role, date, date_from) are its identity and never conflict. `intelgraph show ENTITY` lists
//   every value of one entity, and of the relationships touching it, with its quotes.
// params:
//   entity: {type: entity, example: Astrakhan, description: "Only this entity and the relationships touching it; every one when omitted"}
// tags: [provenance, sources]
MATCH (n:Entity)
WITH n, CASE WHEN n.statements IS NULL OR NOT ($entity IS NULL OR n.id = $entity) THEN []
            ELSE [{entity: n.name, kind: n.kind, id: n.id, statements: n.statements}] END
        + [(n)-[r]->(b:Entity) WHERE r.statements IS NOT NULL AND ($entity IS NULL OR n.id = $entity OR b.id = $entity)
           | {entity: n.name + ' -[' + type(r) + ']-> ' + b.name, kind: type(r), id: r.id, statements: r.statements}]
        AS records
UNWIND records AS rec
UNWIND range(0, size(rec.statements) - 1) AS i
WITH rec, i, rec.statements[i] AS s
WITH rec, i, s, split(s, '"')[1] AS property, split(s, '"')[3] AS sourceId
WITH rec, i, property, sourceId,
     substring(s, size(property) + size(sourceId) + 7, size(s) - size(property) - size(sourceId) - 8) AS value
WHERE NOT value STARTS WITH '['
OPTIONAL MATCH (src:Entity {id: sourceId})
WITH rec, i, property, value, coalesce(src.name, sourceId) AS source
ORDER BY source
WITH rec, property, value, min(i) AS first, collect(source) AS sources
WITH rec, property, collect({value: value, first: first, sources: sources}) AS values
WHERE size(values) > 1
WITH rec, property, values,
     reduce(m = size(rec.statements), x IN values | CASE WHEN x.first < m THEN x.first ELSE m END) AS best
UNWIND values AS v
RETURN rec.entity AS entity, rec.kind AS kind, property,
       CASE WHEN v.value STARTS WITH '"' THEN substring(v.value, 1, size(v.value) - 2) ELSE v.value END AS value,
       v.first = best AS chosen, v.sources AS sources, rec.id AS id
ORDER BY entity, kind, id, property, chosen DESC, value
