// name: contested-claims
// title: Contested claims — denials, doubts and refusals to comment, and who made them
// description: >
//   One row per stance that contests: a party denies, doubts or declines to comment on a claim
//   or a whole report, with the words reported, where, and when (when the text says). A stance
//   on a report applies to the claims that report itself makes (`report_claims`), never to
//   claims other documents credit to it: MEMO's account of the Guardian is not the Guardian's
//   text. A party that did not respond, or has not yet responded, contests nothing and is not
//   listed here (see `stances`).
// tags: [claims, stances, provenance]
MATCH (party)-[st:DENIES|DOUBTS|DECLINES_TO_COMMENT]->(t)
OPTIONAL MATCH (t)-[:ASSERTS]->(own:Claim)
WITH party, st, t, own
ORDER BY own.statement
WITH party, st, t, [s IN collect(own.statement) WHERE s IS NOT NULL] AS report_claims
UNWIND (CASE WHEN size(coalesce(st.sources, [])) = 0 THEN [null] ELSE st.sources END) AS sourceId
OPTIONAL MATCH (src:Entity {id: sourceId})
WITH party, st, t, report_claims, src
ORDER BY src.name
WITH party, st, t, report_claims, collect(src.name) AS reported_by
RETURN coalesce(t.statement, t.name) AS claim, t.kind AS target_kind, report_claims,
       toLower(type(st)) AS stance, party.name AS party, party.kind AS party_kind,
       [e IN st.evidence | substring(e, size(split(e, ' | ')[0]) + 3)] AS quotes, reported_by,
       toString(st.date) AS date
ORDER BY claim, party, stance
