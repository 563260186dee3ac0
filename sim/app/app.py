"""What ``solara run`` serves: three pages (live, replay, compare) under one app bar.

Started by ``ccsim dashboard`` (``sim.app.cli``, through ``sim.app.serve``), which passes the
run to open, the folders the page may open and the lesson through environment variables.
Importing this module loads the model's compiled kernels once (a tiny market, one step), so the
first Step in the page does not wait for Numba.
"""

from __future__ import annotations

import logging

import solara
import solara.lab

from .live_model import LiveModel
from .pages import ComparePage, LivePage, ReplayPage


def _warm_up() -> None:
    """Compile (or load from Numba's cache) the journey kernels before the first visitor."""
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    LiveModel(base=("market.steps=1",), n_customers=200).step()


_warm_up()

@solara.component
def Layout(children=[]):  # noqa: B006 - Solara's layout signature
    """Solara's app layout, its tabs named after the modes (Solara calls the first "Home")."""
    route, all_routes = solara.use_route()
    router = solara.use_router()
    paths = ["/" if r.path == "/" else f"/{r.path}" for r in all_routes]
    index = all_routes.index(route) if route in all_routes else 0
    with solara.AppLayout(children=children, title="ccsim dashboard") as main:
        with solara.AppBar():
            with solara.lab.Tabs(value=index, on_value=lambda i: router.push(paths[i]),
                                 align="center", background_color="primary", dark=True):
                for r in all_routes:
                    solara.lab.Tab(r.label, classes=[f"ccsim-tab-{r.label.lower()}"])
    return main


routes = [
    solara.Route(path="/", component=LivePage, label="Live", layout=Layout),
    solara.Route(path="replay", component=ReplayPage, label="Replay"),
    solara.Route(path="compare", component=ComparePage, label="Compare"),
]
