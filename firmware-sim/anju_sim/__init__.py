"""Simulated gate controllers and cameras that speak Anju's MQTT contract like real firmware."""
