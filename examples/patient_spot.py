"""A worked example policy for `cant-be-late`: wait for spot while slack allows, then on-demand.

Run it:  adrs run cant-be-late --policy examples/patient_spot.py
"""

import math

NONE, SPOT, ON_DEMAND = 0, 1, 2


def decide(obs, state):
    if obs.remaining_work_s <= 0:
        return NONE
    # ticks left before the deadline, and ticks needed on a fresh on-demand launch
    left = math.floor(obs.remaining_time_s / obs.gap_s)
    need = math.ceil((obs.remaining_work_s + 2 * obs.overhead_s) / obs.gap_s)
    if obs.spot_available and (obs.cur_type == SPOT or need < left):
        return SPOT
    if obs.cur_type == ON_DEMAND or need >= left - 6:  # keep one hour of slack in reserve
        return ON_DEMAND
    return NONE  # wait for spot
