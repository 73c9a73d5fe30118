"""adrs.evolve"""
