"""The config hash: which configuration a result was made from, display-only keys left out.

A sweep job is complete when its ``summary.json`` holds the hash of the job's configuration
(``sim.sweep``): a changed configuration runs again, an unchanged one never does. So the hash
covers everything that changes what a run writes, and nothing that only changes what it shows
(:data:`DISPLAY_ONLY`): turning the table or the progress bar off must not re-run a sweep.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from typing import Any

#: Keys that change what a run shows, not what it computes or writes (not hashed).
DISPLAY_ONLY = ("output.progress", "output.print_table")

#: Keys added after results were hashed, hashed only when not at the value that reproduces the
#: results from before they existed, so those results' hashes stay valid (sweeps do not re-run).
ADDED_LATER = {"market.network.generator": "networkx", "output.network_sample": True}
#: Firm fields added later (``firms.<name>.<field>``), left out while they change nothing.
FIRM_ADDED_LATER = {"pivot": lambda pivot: pivot.get("at") == 0}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} in a configuration cannot be hashed")


def hashed_fields(cfg: Any) -> dict:
    """The configuration as a plain dict without the :data:`DISPLAY_ONLY` keys.

    A key of :data:`ADDED_LATER` at its old value, and a firm field of
    :data:`FIRM_ADDED_LATER` that changes nothing, are left out too.
    """
    tree = dataclasses.asdict(cfg)
    for dotted in DISPLAY_ONLY:
        *parents, leaf = dotted.split(".")
        node = tree
        for part in parents:
            node = node.get(part, {})
        node.pop(leaf, None)
    for dotted, old in ADDED_LATER.items():
        *parents, leaf = dotted.split(".")
        node = tree
        for part in parents:
            node = node.get(part, {})
        if leaf in node and _plain_or_self(node[leaf]) == old:
            del node[leaf]
    for firm in tree.get("firms", {}).values():
        for key, unused in FIRM_ADDED_LATER.items():
            if key in firm and unused(firm[key]):
                del firm[key]
    return tree


def _plain_or_self(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def config_hash(cfg: Any) -> str:
    """sha256 of the configuration's result-relevant fields (canonical JSON, sorted keys).

    Args:
        cfg: A :class:`sim.config.Config` (any dataclass of plain values, dicts and Enums).

    Returns:
        64 hex digits; equal for configurations that differ only in :data:`DISPLAY_ONLY` keys.
    """
    text = json.dumps(hashed_fields(cfg), sort_keys=True, separators=(",", ":"), default=_plain,
                      allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()
