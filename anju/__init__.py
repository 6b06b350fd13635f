"""Anju command line, demo launcher and small runtime helpers shared by the services."""

__version__ = "0.1.0"
