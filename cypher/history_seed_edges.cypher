// A store made before history was kept: every edge present opens a version at $now (auto-commit).
MATCH (a:Node)-[r]->(b:Node)
CALL (a, r, b) {
  CREATE (v:EdgeVersion {eid: a.id + '\u001f' + type(r) + '\u001f' + b.id + '\u001f' + r.key, src: a.id,
                         kind: type(r), dst: b.id, valid_from: $now})
  WITH v, properties(r) AS after
  FOREACH (k IN keys(after) | SET v['p.' + k] = after[k])
} IN TRANSACTIONS OF 10000 ROWS
