"""adrs.traces"""
