// Nodes whose id or name contains $text (lower-case); ranking happens in the caller.
MATCH (n:Node)
WHERE ($kinds IS NULL OR n.kind IN $kinds)
  AND (toLower(n.id) CONTAINS $text OR toLower(n.name) CONTAINS $text)
RETURN n
