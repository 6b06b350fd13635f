"""Tests of anju_edge.camera."""
