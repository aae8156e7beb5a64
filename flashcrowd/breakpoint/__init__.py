"""find-break's search, run by the Locust process that runs the shape (local runner or master);
the CLI process only reads its answer back (answer.py).

search.py drives the steps, criteria.py and guard.py judge them, stepshape.py
runs them inside Locust, arrivals.py is the open-model user, prediction.py the
bundled target's analytic answer; result.py builds the typed answer (answer.py),
which find-break.json, the charts (charts.py) and the CLI's lines read.
"""
