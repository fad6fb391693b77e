"""Audit policy files: defaults, per-rule overrides, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from steward.analysis.audit import Policy, load_policy
from steward.errors import ConfigError
from steward.graph import NodeKind


def test_defaults_and_overrides(tmp_path: Path) -> None:
    default = Policy()
    assert default.rules["no-steward"].only_at_risk is True
    assert default.rules["no-owner"].severity == "error"
    f = tmp_path / "policy.yaml"
    f.write_text("applies_to: [Dataset, Model]\nrules:\n  no-steward: {severity: error, only_at_risk: false}\n"
                 "  stale-runs: {days: 14}\n  unresolved-identity: {enabled: false}\n")
    policy = load_policy(f)
    assert policy.applies_to == [NodeKind.DATASET, NodeKind.MODEL]
    assert (policy.rules["no-steward"].severity, policy.rules["no-steward"].only_at_risk) == ("error", False)
    assert policy.rules["stale-runs"].days == 14
    assert policy.rules["stale-runs"].severity == "warning"  # untouched settings keep their default
    assert policy.rules["unresolved-identity"].enabled is False
    assert policy.rules["no-owner"] == default.rules["no-owner"]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("rules:\n  no-ownr: {severity: error}\n", "unknown rule 'no-ownr'"),
        ("rules:\n  no-owner: {severity: fatal}\n", "rules.no-owner"),
        ("applies_to: [Spreadsheet]\n", "applies_to"),
        ("- just\n- a list\n", "a policy is a mapping"),
        ("rules: {\n", "not valid YAML"),
    ],
)
def test_bad_policies_are_config_errors(tmp_path: Path, text: str, needle: str) -> None:
    f = tmp_path / "policy.yaml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=needle):
        load_policy(f)
    with pytest.raises(ConfigError, match="policy not found"):
        load_policy(tmp_path / "missing.yaml")
