"""Reusable test parts: private broker, gateway on a free port, edge with a temporary config."""
