"""The declarative catalog: people, teams, ownership and deployments from YAML files.

Two dialects share the Backstage envelope (``apiVersion``, ``kind``, ``metadata.name``, ``spec``):

* Steward's own kinds under ``apiVersion: steward/v1`` -- ``Person``, ``Team``, ``Ownership``, ``Playbook``,
  ``Deployment``. Their ``spec`` is checked strictly (unknown keys are an error), because a typo
  such as ``stewrads:`` would otherwise silently drop a backup owner.
* Backstage documents (``apiVersion: backstage.io/v1alpha1``) that teams already keep: ``User``
  and ``Group`` become people and teams; a ``Component`` or ``Resource`` annotated with
  ``steward/artifact: <node id>`` declares that artifact's owner through ``spec.owner``. Other
  Backstage kinds are counted in ``report.info`` and otherwise ignored.

A bad document is skipped with a warning that names the file, the document number and the line; a
YAML syntax error fails the whole file (nothing of it is emitted). References to people and teams
go through :func:`steward.refs.normalise_ref`, the rule the recipe runner's resolver applies as well.
Within one catalog, a Backstage user name (``user:jdoe``) or a Steward ``Person`` alias used in a
reference is rewritten to that person's canonical id, so the catalog's own edges agree with its own people.
"""

from __future__ import annotations

from steward.sources.catalog.files import expand_paths
from steward.sources.catalog.source import CatalogSource, CatalogSourceConfig

__all__ = [
    "CatalogSource",
    "CatalogSourceConfig",
    "expand_paths",
]
