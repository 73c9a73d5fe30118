"""adrs.envs.spot"""
