// History: the versions of the edges into a node.
CREATE INDEX steward_edge_version_dst IF NOT EXISTS FOR (v:EdgeVersion) ON (v.dst)
