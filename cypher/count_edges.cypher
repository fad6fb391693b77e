MATCH (:Node)-[r]->(:Node)
RETURN type(r) AS kind, count(*) AS n
