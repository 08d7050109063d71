"""Shared code that imports no app of the project (docs/adr, STYLE.md: the lowest layer)."""
