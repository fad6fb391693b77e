// History: edges that are new or changed in this transaction close their open version at $now and
// open a new one. $rows: [{eid, existed, version}], version = {eid, src, kind, dst, valid_from,
// "p.<property>": ...}.
UNWIND $rows AS row
CALL (row) {
  WITH row WHERE row.existed
  MATCH (old:EdgeVersion {eid: row.eid})
  WHERE old.valid_to IS NULL
  SET old.valid_to = $now
}
CREATE (v:EdgeVersion)
SET v = row.version
