"""Anju gateway: the precinct-side service that receives, tracks and forwards alerts."""
