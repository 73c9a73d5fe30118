"""Held-out generated WANs of ``telemetry-repair`` (Barabasi-Albert with stubs, 30-60 routers)."""
