"""What a run measured, gathered in the Locust process that runs the shape (workers ship theirs):
the recorder, latency histograms, per-page tallies, SLO verdicts, live progress and metrics, and the
run's typed record built from them once it has finished (``record``, ``build``)."""
