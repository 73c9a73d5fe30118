"""adrs.traces.spot"""
