// A store made before history was kept: every edge present opens a version at $now (auto-commit);
// the open version of an edge is the relationship itself, from `_valid_from`.
MATCH (:Node)-[r]->(:Node)
CALL (r) {
  SET r._valid_from = $now, r._version_seen_at = null
} IN TRANSACTIONS OF 10000 ROWS
