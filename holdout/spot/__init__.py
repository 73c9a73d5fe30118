"""adrs.holdout.spot"""
