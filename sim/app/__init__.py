"""The teaching dashboard (``ccsim dashboard``): Mesa and Solara, live and over saved runs.

The interface layer: it reads the model and the run files; nothing below it imports it.
Modules: ``live_model`` (the keyword-argument model Mesa's controller rebuilds on Reset),
``lessons`` (questions with their configurations), ``answers`` (the numbers that answer each
lesson), ``views`` (tables, charts and the network picture as plain functions), ``runs`` (saved
runs, read through ``sim.results``, below the folders the page may open), ``pages`` (the Solara
components), ``app`` (what ``solara run`` serves), ``serve`` (the server process: ``solara run``
with a Host-header check) and ``cli`` (the command).
"""
