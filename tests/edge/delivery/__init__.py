"""Tests of anju_edge.delivery."""
