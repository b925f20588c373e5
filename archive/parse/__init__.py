"""Parsing captures into records."""
