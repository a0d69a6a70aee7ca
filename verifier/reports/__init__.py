"""Verification reports built from a case."""
