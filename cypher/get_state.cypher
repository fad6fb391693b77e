MATCH (s:StewardState {key: $key})
RETURN s.value AS value
