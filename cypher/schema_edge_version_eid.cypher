// History: the versions of an edge are found by its identity as one text (src, kind, dst, key joined
// by U+001F); the edges from a node by a prefix of it.
CREATE INDEX steward_edge_version_eid IF NOT EXISTS FOR (v:EdgeVersion) ON (v.eid)
