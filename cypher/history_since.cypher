// When the store began keeping history; the earliest version when the marker is missing (a database
// emptied by hand and written since).
OPTIONAL MATCH (s:StewardState {key: 'history.since'})
CALL () {
  OPTIONAL MATCH (v:NodeVersion)
  RETURN min(v.valid_from) AS first
}
RETURN coalesce(s.value, first) AS since
