MERGE (s:StewardState {key: $key})
SET s.value = $value
