"""adrs.simulators.cloudcast: the multi-cloud broadcast cost model (Cloudcast, NSDI '24).

* :mod:`.instance` -- :class:`Instance` (regions, prices, throughputs, limits, source, destinations);
* :mod:`.model` -- the reference flow, makespan and cost model on the canonical ``parents[P, N]`` form;
* :mod:`.baselines` -- direct, cheapest path, terminal MDST, metric closure + arborescence;
* :mod:`.steiner` -- the exact min-egress Steiner arborescence (Dreyfus-Wagner DP) and the lower bound;
* :mod:`.steiner_milp` -- the same optimum as the spec's HiGHS MILP (``scipy.optimize.milp``, optional);
* :mod:`.region_coords` -- approximate lat/lon of every region, for the overlay plot.
"""

from adrs.simulators.cloudcast.instance import PROVIDERS, Instance
from adrs.simulators.cloudcast.model import SimResult, simulate

__all__ = ["PROVIDERS", "Instance", "SimResult", "simulate"]
