// A store made before history was kept: every node present opens a version at $now (auto-commit);
// the open version of a node is the node itself, from `_valid_from`.
MATCH (n:Node)
CALL (n) {
  SET n._valid_from = $now, n._version_seen_at = null
} IN TRANSACTIONS OF 10000 ROWS
