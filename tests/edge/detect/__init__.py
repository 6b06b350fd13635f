"""Tests of anju_edge.detect."""
