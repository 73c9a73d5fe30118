"""adrs.simulators.cloudcast: the multi-cloud broadcast cost model (Cloudcast, NSDI '24).

* :mod:`.instance` -- :class:`Instance` (regions, prices, throughputs, limits, source, destinations);
* :mod:`.model` -- the reference flow, makespan and cost model on the canonical ``parents[P, N]`` form;
* :mod:`.baselines` -- direct, cheapest path, terminal MDST, metric closure + arborescence;
* :mod:`.steiner` -- the exact min-egress Steiner arborescence (Dreyfus-Wagner DP) and the lower bound.
"""

from adrs.simulators.cloudcast.instance import PROVIDERS, Instance
from adrs.simulators.cloudcast.model import SimResult, simulate

__all__ = ["PROVIDERS", "Instance", "SimResult", "simulate"]
