// A database emptied by hand and written since has no history marker: its history begins at the
// earliest version, closed (version nodes) or open (live nodes' `_valid_from`).
CALL () {
  OPTIONAL MATCH (v:NodeVersion)
  RETURN min(v.valid_from) AS closed
}
CALL () {
  OPTIONAL MATCH (n:Node)
  RETURN min(n._valid_from) AS open
}
RETURN CASE WHEN closed IS NULL OR open < closed THEN open ELSE closed END AS since
