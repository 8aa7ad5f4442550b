// name: attribution-chain
// title: Attribution chain of a source
// description: >
//   Who a document cites, and who they cite in turn — the chain from an article back to the
//   report, informants and people it rests on.
// params:
//   source: {type: entity, kinds: [Source], required: true, example: MEMO article, description: "The document to start from"}
// tags: [provenance, sources]
MATCH (d:Entity {id: $source})
MATCH p = (d)-[:CITES*1..5]->(x)
RETURN length(p) AS depth, [n IN nodes(p) | n.name] AS chain, x.name AS cited, x.kind AS kind
ORDER BY depth, cited
