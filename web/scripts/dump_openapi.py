"""Write the API's OpenAPI schema (``create_app().openapi()``) to a file; the TypeScript types are generated from it."""

import json
import sys
from pathlib import Path

from steward.api.app import create_app

out = Path(sys.argv[1])
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(json.dumps(create_app().openapi(), indent=1, sort_keys=True) + "\n")
