// History: the versions of a node are found by its id.
CREATE INDEX steward_node_version_id IF NOT EXISTS FOR (v:NodeVersion) ON (v.id)
