// name: contested-claims
// title: Contested claims — denials, doubts and refusals to comment, and who made them
// description: >
//   One row per stance that contests: a party denies, doubts or declines to comment on a claim
//   or a whole report, with the words reported, where, and when (when the text says). A stance
//   on a report applies to the claims that report itself makes (`report_claims`), never to
//   claims other documents credit to it: MEMO's account of the Guardian is not the Guardian's
//   text. A party that did not respond, or has not yet responded, contests nothing and is not
//   listed here (see `stances`). With as_of, only the stances a document dated on or before that
//   day reports (see the `known-by` fragment); `undated_left_out` counts the undated
//   documents left out.
// params:
//   as_of: {type: date, example: "2022-04-13", description: "Only what documents dated on or before this day report (undated ones are left out and counted)"}
// tags: [claims, stances, provenance]
WITH $as_of AS as_of
MATCH (party)-[st:DENIES|DOUBTS|DECLINES_TO_COMMENT]->(t)
OPTIONAL MATCH (t)-[:ASSERTS]->(own:Claim)
WITH as_of, party, st, t, own
ORDER BY own.statement
WITH as_of, party, st, t, [s IN collect(own.statement) WHERE s IS NOT NULL] AS report_claims
UNWIND (CASE WHEN size(coalesce(st.sources, [])) = 0 THEN [null] ELSE st.sources END) AS sourceId
OPTIONAL MATCH (src:Entity {id: sourceId})
WITH as_of, party, st, t, report_claims, src
ORDER BY src.name
WITH as_of, party, st, t, report_claims, collect(src.name) AS reported_by, collect(src) AS docs
WITH as_of, party, st, t, report_claims, reported_by, docs, @known-by(docs, as_of) AS known
WITH collect({claim: coalesce(t.statement, t.name), target_kind: t.kind, report_claims: report_claims,
              stance: toLower(type(st)), party: party.name, party_kind: party.kind,
              quotes: [e IN st.evidence | substring(e, size(split(e, ' | ')[0]) + 3)],
              reported_by: reported_by, date: toString(st.date), known: known,
              undated: CASE WHEN known THEN [] ELSE @undated-docs(docs, as_of) END}) AS candidates
@as-of-rows(candidates, rows, left_out)
UNWIND rows AS row
RETURN row.claim AS claim, row.target_kind AS target_kind, row.report_claims AS report_claims,
       row.stance AS stance, row.party AS party, row.party_kind AS party_kind, row.quotes AS quotes,
       row.reported_by AS reported_by, row.date AS date, left_out AS undated_left_out
ORDER BY claim, party, stance
