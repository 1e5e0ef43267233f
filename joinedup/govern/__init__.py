"""Governance: who may see what, for which purpose, under which agreement, and the proof of it."""
