// fragment: claim-support
// args: [claim, support]
// description: >
//   What one claim a fact rests on brings to it (null for a null claim): its id and name, its
//   grade (reliability and credibility, e.g. F3), its origins (see `origins`) together with the
//   parties that confirm it -- the independent origins, by id and by name (sorted) -- and its status:
//   `denied` when a party denies it, `contested` when one doubts it or declines to comment (as
//   `contested-claims` lists), else `uncontested`. A stance on a whole report counts for the
//   claims that report itself asserts, never for claims others credit to it.
//   (Each pattern comprehension binds names of its own: FalkorDB plans a second one that
//   reuses the first's from a scan of every node.)
@origins(claim, origins_, KEEP claim)
WITH KEEP claim, origins_ + [(confirmer_)-[:CONFIRMS]->(claim) | confirmer_] AS backers_,
     [(party_)-[st_:DENIES|DOUBTS|DECLINES_TO_COMMENT]->(claim) | type(st_)]
     + [(critic_)-[on_report_:DENIES|DOUBTS|DECLINES_TO_COMMENT]->(:Source)-[:ASSERTS]->(claim) | type(on_report_)] AS stances_
WITH KEEP claim, backers_, stances_,
     reduce(ids_ = [], b_ IN backers_ | CASE WHEN b_.id IN ids_ THEN ids_ ELSE ids_ + [b_.id] END) AS backer_ids_
WITH KEEP claim, CASE WHEN claim IS NULL THEN null ELSE
       {id: claim.id, name: claim.name, reliability: claim.reliability, credibility: claim.credibility,
        grade: claim.reliability + toString(claim.credibility), origin_ids: backer_ids_,
        origins: reduce(names_ = [], n_ IN [i_ IN backer_ids_ | head([b_ IN backers_ WHERE b_.id = i_ | b_.name])] |
                        [x_ IN names_ WHERE x_ < n_] + [n_] + [x_ IN names_ WHERE x_ >= n_]),
        status: CASE WHEN 'DENIES' IN stances_ THEN 'denied'
                     WHEN size(stances_) > 0 THEN 'contested' ELSE 'uncontested' END} END AS support
