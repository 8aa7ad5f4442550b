// fragment: fact-support
// args: [fact, claimed, support]
// description: >
//   The support of a fact (a relationship, or a leg read through its HAS_LEG) from `claimed`,
//   the `claim-support` maps of the claims it rests on. A fact stores no grade of its own:
//   `credibility` is that of its best uncontested claim (the best reliability among equals gives
//   `grade`), and 1 (confirmed) only when the fact has two or more independent origins, else 2;
//   `origins` counts its independent origins (distinct over its claims' origins and confirmers);
//   `status` is `uncontested` when some claim is, `contested` when every claim is contested or
//   denied and some only contested, `denied` when every claim is denied. A fact resting on no
//   claim is an evidence-only tie: status `evidence`, the grade a CSV row gave it directly (or
//   none), and one origin per document whose words are its evidence.
WITH KEEP fact, claimed,
     reduce(ids_ = [], k_ IN claimed | ids_ + [i_ IN k_.origin_ids WHERE NOT i_ IN ids_]) AS origin_ids_,
     reduce(best_ = null, k_ IN [k_ IN claimed WHERE k_.status = 'uncontested'] |
            CASE WHEN best_ IS NULL OR k_.credibility < best_.credibility
                      OR (k_.credibility = best_.credibility AND k_.reliability < best_.reliability)
                 THEN k_ ELSE best_ END) AS best_
WITH KEEP fact, claimed,
     CASE WHEN size(claimed) = 0 THEN size(coalesce(fact.sources, [])) ELSE size(origin_ids_) END AS origins_,
     CASE WHEN size(claimed) = 0 THEN [fact.reliability, fact.credibility]
          WHEN best_ IS NULL THEN [null, null] ELSE [best_.reliability, best_.credibility] END AS graded_
WITH KEEP fact, claimed,
     {origins: origins_,
      credibility: CASE WHEN graded_[1] = 1 AND origins_ < 2 THEN 2 ELSE graded_[1] END,
      grade: coalesce(graded_[0], '') + toString(CASE WHEN graded_[1] = 1 AND origins_ < 2 THEN 2 ELSE graded_[1] END),
      status: CASE WHEN size(claimed) = 0 THEN 'evidence'
                   WHEN any(k_ IN claimed WHERE k_.status = 'uncontested') THEN 'uncontested'
                   WHEN any(k_ IN claimed WHERE k_.status = 'contested') THEN 'contested' ELSE 'denied' END,
      claims: [k_ IN claimed | {claim: k_.name, grade: k_.grade, origins: k_.origins, status: k_.status}]} AS support
