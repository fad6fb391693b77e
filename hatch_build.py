"""Hatch build hook: a wheel built from source carries the web explorer.

When ``src/steward/web_dist`` is missing (a fresh clone where scripts/build_web.sh has not run) and
``npm`` is on the machine, it runs ``npm ci`` and ``vite build`` in ``web/``. The TypeScript types
are only needed to type-check, not to bundle, so this needs no installed Steward. Without Node the
wheel is built without the explorer and says so (``/`` then explains how to build it). Editable
installs are left alone: scripts/build_web.sh builds into the source tree they point at.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class ExplorerBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version != "standard":
            return
        root = Path(self.root)
        if (root / "src" / "steward" / "web_dist" / "index.html").is_file() or not (root / "web").is_dir():
            return
        npm = shutil.which("npm")
        if npm is None:
            self.app.display_warning("no npm: this wheel has no web explorer (run scripts/build_web.sh first)")
            return
        self.app.display_info("building the web explorer (npm ci, vite build)")
        web = root / "web"
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=web, check=True)
        subprocess.run([npm, "exec", "--", "vite", "build", "--logLevel", "warn"], cwd=web, check=True)
