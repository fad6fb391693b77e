// The live nodes whose open version was valid at $at (it began at `_valid_from` and is still open).
MATCH (n:Node)
WHERE n._valid_from <= $at
RETURN properties(n) AS v
