// fragment: downstream
// args: [node, out]
// description: >
//   The one rule of the attribution chain: `out` is the ids of the parties further down the
//   chain from `node` -- those it cites, directly or through reports it cites (outlet -> cited
//   report -> informant), and its own spokesmen and published statements (the same voice).
WITH KEEP node, [(node)-[:CITES*1..6]->(cited_) | cited_.id] + [(node)<-[:SPEAKS_FOR|PUBLISHED_BY]-(voice_) | voice_.id] AS out
