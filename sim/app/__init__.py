"""The teaching dashboard (``ccsim dashboard``): Mesa's SolaraViz, live and over saved runs.

The interface layer: it reads the model and the run files; nothing below it imports it.
Modules: ``live_model`` (the keyword-argument model SolaraViz rebuilds), ``lessons`` (questions
with their configurations), ``views`` (tables, charts and the network picture as plain
functions), ``runs`` (saved runs, read through ``sim.results``), ``pages`` (the Solara
components), ``app`` (what ``solara run`` serves) and ``cli`` (the command).
"""
