"""Anju edge service: one box per compound, from MQTT to alerts that reach the precinct."""
