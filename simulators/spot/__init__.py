"""adrs.simulators.spot"""
