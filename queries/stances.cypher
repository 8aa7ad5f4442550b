// name: stances
// title: Who denies, doubts, confirms or declines to comment on what
// description: >
//   Every stance a party took on a claim or a report, once, by party: denies, doubts,
//   declines to comment, confirms, or has not yet responded (which is neither a refusal
//   nor a denial) — with the words reported, where, and when (when the text says). With
//   as_of, only the stances a document dated on or before that day reports (see the
//   `known-by` fragment); `undated_left_out` counts the undated documents left out.
// params:
//   party: {type: entity, example: "Iraqi Border Ports Authority", description: "Only this party; everyone when omitted"}
//   as_of: {type: date, example: "2022-04-13", description: "Only what documents dated on or before this day report (undated ones are left out and counted)"}
// tags: [stances, claims]
WITH $as_of AS as_of
MATCH (party)-[st:DENIES|DOUBTS|DECLINES_TO_COMMENT|CONFIRMS|NOT_YET_RESPONDED]->(t)
WHERE $party IS NULL OR party.id = $party
UNWIND (CASE WHEN size(coalesce(st.sources, [])) = 0 THEN [null] ELSE st.sources END) AS sourceId
OPTIONAL MATCH (src:Entity {id: sourceId})
WITH as_of, party, st, t, src
ORDER BY src.name
WITH as_of, party, st, t, collect(src.name) AS reported_by, collect(src) AS docs
WITH as_of, party, st, t, reported_by, docs, @known-by(docs, as_of) AS known
WITH collect({party: party.name, party_kind: party.kind, stance: toLower(type(st)),
              target: coalesce(t.statement, t.name), target_kind: t.kind,
              quotes: [e IN st.evidence | substring(e, size(split(e, ' | ')[0]) + 3)],
              reported_by: reported_by, date: toString(st.date), known: known,
              undated: CASE WHEN known THEN [] ELSE @undated-docs(docs, as_of) END}) AS candidates
@as-of-rows(candidates, rows, left_out)
UNWIND rows AS row
RETURN row.party AS party, row.party_kind AS party_kind, row.stance AS stance, row.target AS target,
       row.target_kind AS target_kind, row.quotes AS quotes, row.reported_by AS reported_by, row.date AS date,
       left_out AS undated_left_out
ORDER BY party, stance, target
