// fragment: origins
// args: [claim, origins]
// description: >
//   A claim's origins (a list of nodes): the ends of its attribution chains. Of the parties the
//   asserting source credits with the claim, those with no other credited party downstream of
//   them (see `downstream`); the asserting source itself when it credits no one. Re-reports of
//   one report share its origins, so two outlets repeating the Guardian count once; distinct
//   origins are independent.
OPTIONAL MATCH (claim)-[:ATTRIBUTED_TO]->(credited_)
@downstream(credited_, down_, KEEP claim)
WITH KEEP claim, collect(CASE WHEN credited_ IS NULL THEN null ELSE [credited_, down_] END) AS pairs_
WITH KEEP claim, CASE WHEN size(pairs_) = 0 THEN [(asserter_)-[:ASSERTS]->(claim) | asserter_]
     ELSE [p_ IN pairs_ WHERE none(q_ IN pairs_ WHERE q_[0].id <> p_[0].id AND q_[0].id IN p_[1]) | p_[0]] END AS origins
