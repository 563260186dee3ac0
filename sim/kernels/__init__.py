"""Pure Numba kernels over the customer arrays: no Mesa, no Python objects, no global state.

``journey.journey_step`` runs stages 2–6 of a step (awareness, choice, experience, churn, word of
mouth) for every customer in one fused pass; the stage functions it calls are small ``@njit``
helpers that the unit tests check one by one.
"""
