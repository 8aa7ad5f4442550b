WITH [w IN split(toLower(replace(replace(replace(replace(replace($text, '-', ' '), "'", ' '), '.', ' '), ',', ' '), '/', ' ')), ' ')
      WHERE w <> ''] AS words
CALL db.index.fulltext.queryNodes('entity_names', reduce(q = '', w IN words | q + '+' + w + '* ')) YIELD node, score
WITH node, score
WHERE $kind IS NULL OR node.kind = $kind
WITH node, score,
     CASE WHEN node.name_lc = toLower($text) OR toLower($text) IN coalesce(node.aliases_lc, []) THEN 'exact' ELSE 'partial' END AS match
RETURN node.name AS name, node.kind AS kind, node.aliases AS aliases, node.id AS id, match
ORDER BY match, score DESC, name
LIMIT $limit
