// name: contested-claims
// title: Contested claims — denials, doubts and refusals to comment, and who made them
// description: >
//   Every claim or report that a party denies, doubts or declines to comment on, the party,
//   the words reported and where they were reported. A stance on a whole report also
//   contests each claim credited to that report (shown with `through` = the report).
//   A party that has not yet responded contests nothing and is not listed here (see `stances`).
// tags: [claims, stances, provenance]
MATCH (party)-[st:DENIES|DOUBTS|DECLINES_TO_COMMENT]->(t)
WITH party, st, t, CASE WHEN t.kind = 'Claim' THEN [t] ELSE [] END AS direct
OPTIONAL MATCH (credited:Claim)-[:ATTRIBUTED_TO]->(t)
WITH party, st, t, direct, collect(DISTINCT credited) AS credited
WITH party, st, t, direct + credited AS claims
UNWIND (CASE WHEN size(claims) = 0 THEN [null] ELSE claims END) AS c
UNWIND (CASE WHEN size(coalesce(st.sources, [])) = 0 THEN [null] ELSE st.sources END) AS sourceId
OPTIONAL MATCH (src:Entity {id: sourceId})
WITH party, st, t, c, collect(DISTINCT src.name) AS reported_by
RETURN coalesce(c.statement, t.name) AS claim,
       CASE WHEN c IS NULL OR c = t THEN null ELSE t.name END AS through,
       toLower(type(st)) AS stance, party.name AS party, party.kind AS party_kind,
       [e IN st.evidence | substring(e, size(split(e, ' | ')[0]) + 3)] AS quotes, reported_by, toString(st.date) AS date
ORDER BY claim, party, stance
