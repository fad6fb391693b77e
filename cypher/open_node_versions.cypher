// History: nodes whose content changed in this transaction close their open version at $now and
// open a new one. $rows: [{id, existed, version}], version = {id, valid_from, "p.<property>": ...}.
UNWIND $rows AS row
CALL (row) {
  WITH row WHERE row.existed
  MATCH (old:NodeVersion {id: row.id})
  WHERE old.valid_to IS NULL
  SET old.valid_to = $now
}
CREATE (v:NodeVersion)
SET v = row.version
