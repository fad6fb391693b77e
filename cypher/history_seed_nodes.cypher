// A store made before history was kept: every node present opens a version at $now (auto-commit).
MATCH (n:Node)
CALL (n) {
  CREATE (v:NodeVersion {id: n.id, valid_from: $now})
  WITH v, properties(n) AS after
  FOREACH (k IN keys(after) | SET v['p.' + k] = after[k])
} IN TRANSACTIONS OF 10000 ROWS
