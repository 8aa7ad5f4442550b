// name: search
// title: Search entities by name or alias
// description: >
//   Entities with a name or alias containing words that start with the words given,
//   case-insensitively, best matches first (exact names and aliases first of all), through the
//   engine's full-text index. Optionally only one kind.
// params:
//   text: {type: string, required: true, example: anzali, pattern: "[\\w\\s'.,/-]{1,200}", normalise: true, description: "Words, or the start of words, of a name or alias (compared as names are: Unicode NFKC, case-folded, spaces collapsed)"}
//   kind: {type: string, example: Port, description: "Only this kind (e.g. Person, Port, ArmedGroup)"}
//   limit: {type: int, default: 50, min: 1, max: 10000, example: 20}
// tags: [search]
WITH [w IN split(toLower(replace(replace(replace(replace(replace($text, '-', ' '), "'", ' '), '.', ' '), ',', ' '), '/', ' ')), ' ')
      WHERE w <> ''] AS words
CALL db.idx.fulltext.queryNodes('Entity', reduce(q = '', w IN words | q + w + '* ')) YIELD node, score
WITH node, score
WHERE $kind IS NULL OR node.kind = $kind
WITH node, score,
     CASE WHEN node.name_lc = toLower($text) OR toLower($text) IN coalesce(node.aliases_lc, []) THEN 'exact' ELSE 'partial' END AS match
RETURN node.name AS name, node.kind AS kind, node.aliases AS aliases, node.id AS id, match
ORDER BY match, score DESC, name
LIMIT $limit
