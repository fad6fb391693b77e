"""Governance: who may change what, changes through Steward, the tamper-evident log, history."""
