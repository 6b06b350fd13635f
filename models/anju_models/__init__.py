"""The models the edge box runs: manifest, verification and benchmark tools."""
