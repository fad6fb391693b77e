"""Review cadences: which artifacts need which review how often (the audit policy's ``reviews`` list).

Kept apart from :mod:`steward.governance.reviews` so the audit policy can name it without importing
the analyses (no import cycle); see that module for what counts as done.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from steward.graph import NodeKind

__all__ = ["DEFAULT_KINDS", "OUTCOMES", "REVIEW_RULES", "TYPES", "ReviewCadence", "rule_for"]

REVIEW_KIND = "review"
ReviewType = Literal["drift", "bias", "performance", "ownership", "custom"]
Outcome = Literal["pass", "fail", "waived"]
TYPES: tuple[str, ...] = ("drift", "bias", "performance", "ownership", "custom")
OUTCOMES: tuple[str, ...] = ("pass", "fail", "waived")
#: Which audit rule an overdue review of each type becomes.
REVIEW_RULES = ("review-overdue", "attestation-expired")
#: Kinds a cadence covers when it names none: the things people review (not runs, commits, repos).
DEFAULT_KINDS = (NodeKind.DATASET, NodeKind.JOB, NodeKind.MODEL, NodeKind.MODEL_VERSION, NodeKind.DEPLOYMENT,
                 NodeKind.EVALUATION)


def rule_for(review_type: str) -> str:
    return "attestation-expired" if review_type == "ownership" else "review-overdue"


class ReviewCadence(BaseModel):
    """One line of the review policy: artifacts that match need a ``type`` review every ``every_days``.

    An artifact matches when it passes every filter given (no filter: every artifact of the kinds).
    """

    model_config = ConfigDict(extra="forbid")

    type: ReviewType = Field(description="drift, bias, performance, ownership (re-attestation) or custom")
    every_days: int = Field(ge=1, le=36_500, description="A review is due this many days after the last one")
    kinds: list[NodeKind] = Field(default_factory=lambda: list(DEFAULT_KINDS),
                                  description="Artifact kinds (default: datasets, jobs, models, model versions, "
                                  "deployments, evaluations)")
    environments: list[str] = Field(default_factory=list, description="Only artifacts a deployment in one of these "
                                    "environments depends on (and such deployments)")
    at_risk: bool = Field(False, description="Only artifacts some deployment depends on")
    tags: list[str] = Field(default_factory=list, description="Only artifacts whose 'tags' property has one of these")
    artifacts: list[str] = Field(default_factory=list, description="Only these artifact ids")

    def describe(self) -> str:
        where = []
        if self.environments:
            where.append(f"in {'/'.join(self.environments)}")
        if self.at_risk:
            where.append("with deployments at risk")
        if self.tags:
            where.append(f"tagged {'/'.join(self.tags)}")
        return f"{self.type} review every {self.every_days} days" + (f" ({', '.join(where)})" if where else "")
