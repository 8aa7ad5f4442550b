// name: claims-by-source
// title: What a source asserts, or is credited with
// description: >
//   Claims a source asserts itself, and claims other documents attribute to it, with the
//   verbatim quote, the Admiralty grading, what each claim is about, and the stances parties
//   took on it: on the claim itself, or on the whole report that makes it ("(the report)").
//   A stance on a report is not copied onto claims other documents credit to that report.
// params:
//   source: {type: entity, kinds: [Source], required: true, example: MEMO article, description: "A document or informant (name, alias or id)"}
// tags: [claims, provenance]
MATCH (src:Entity {id: $source})-[link:ASSERTS|ATTRIBUTED_TO]-(c:Claim)
WITH src, c, collect(DISTINCT CASE WHEN type(link) = 'ASSERTS' THEN 'asserts' ELSE 'credited with' END) AS how
OPTIONAL MATCH (c)-[:ABOUT]->(x)
WITH src, c, how, x
ORDER BY x.name
WITH src, c, how, collect(DISTINCT x.name) AS about
OPTIONAL MATCH (party)-[st:DENIES|DOUBTS|DECLINES_TO_COMMENT|CONFIRMS|NOT_YET_RESPONDED]->(c)
WITH src, c, how, about, party, st
ORDER BY party.name, type(st)
WITH src, c, how, about, [s IN collect(toLower(type(st)) + ': ' + party.name) WHERE s IS NOT NULL] AS direct
OPTIONAL MATCH (party)-[st:DENIES|DOUBTS|DECLINES_TO_COMMENT|CONFIRMS|NOT_YET_RESPONDED]->(:Source)-[:ASSERTS]->(c)
WITH src, c, how, about, direct, party, st
ORDER BY party.name, type(st)
WITH src, c, how, about, direct,
     [s IN collect(toLower(type(st)) + ' (the report): ' + party.name) WHERE s IS NOT NULL] AS on_report
MATCH (asserter:Source)-[:ASSERTS]->(c)
RETURN src.name AS source, how, c.statement AS claim, asserter.name AS asserted_by, c.quote AS quote,
       c.reliability AS reliability, c.credibility AS credibility, about, direct + on_report AS stances
ORDER BY claim, asserted_by
