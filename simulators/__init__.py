"""adrs.simulators"""
