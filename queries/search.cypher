// name: search
// title: Search entities by name or alias
// description: >
//   Entities whose name or one of whose aliases contains the text, case-insensitively,
//   exact matches first. Optionally only one kind.
// params:
//   text: {type: string, required: true, example: anzali, description: "A fragment of a name or alias"}
//   kind: {type: string, example: Port, description: "Only this kind (e.g. Person, Port, ArmedGroup)"}
//   limit: {type: int, default: 50, min: 1, max: 10000, example: 20}
// tags: [search]
MATCH (n:Entity)
WHERE ($kind IS NULL OR n.kind = $kind)
  AND (n.name_lc CONTAINS toLower($text) OR any(a IN coalesce(n.aliases_lc, []) WHERE a CONTAINS toLower($text)))
RETURN n.name AS name, n.kind AS kind, n.aliases AS aliases, n.id AS id,
       CASE WHEN n.name_lc = toLower($text) OR toLower($text) IN coalesce(n.aliases_lc, []) THEN 'exact' ELSE 'partial' END AS match
ORDER BY match, name
LIMIT $limit
