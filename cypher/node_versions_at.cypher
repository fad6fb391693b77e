// The node versions valid at $at.
MATCH (v:NodeVersion)
WHERE v.valid_from <= $at AND (v.valid_to IS NULL OR v.valid_to > $at)
RETURN properties(v) AS v
