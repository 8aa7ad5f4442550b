// name: stances
// title: Who denies, doubts, confirms or declines to comment on what
// description: >
//   Every stance a party took on a claim or a report, once, by party: denies, doubts,
//   declines to comment, confirms, or has not yet responded (which is neither a refusal
//   nor a denial) — with the words reported, where, and when (when the text says).
// params:
//   party: {type: entity, example: "Iraqi Border Ports Authority", description: "Only this party; everyone when omitted"}
// tags: [stances, claims]
MATCH (party)-[st:DENIES|DOUBTS|DECLINES_TO_COMMENT|CONFIRMS|NOT_YET_RESPONDED]->(t)
WHERE $party IS NULL OR party.id = $party
UNWIND (CASE WHEN size(coalesce(st.sources, [])) = 0 THEN [null] ELSE st.sources END) AS sourceId
OPTIONAL MATCH (src:Entity {id: sourceId})
WITH party, st, t, src
ORDER BY src.name
WITH party, st, t, collect(src.name) AS reported_by
RETURN party.name AS party, party.kind AS party_kind, toLower(type(st)) AS stance,
       coalesce(t.statement, t.name) AS target, t.kind AS target_kind,
       [e IN st.evidence | substring(e, size(split(e, ' | ')[0]) + 3)] AS quotes, reported_by,
       toString(st.date) AS date
ORDER BY party, stance, target
