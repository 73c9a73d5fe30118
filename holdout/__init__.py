"""adrs.holdout"""
