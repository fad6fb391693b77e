"""``steward demo``: a small but complete ML platform, built with the real tools and ingested.

:func:`run_demo` makes a git repository (CODEOWNERS, .mailmap, co-authors), OpenLineage events
from the official client, a catalog, and (optionally) a seeded MLflow server, then runs the demo
recipe into a store. The story it tells lives in :mod:`steward.demo.story`.
"""

from steward.demo.run import DemoResult, run_demo

__all__ = ["DemoResult", "run_demo"]
