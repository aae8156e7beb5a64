"""What a run measured, gathered in the Locust process that runs the shape (workers ship theirs):
the recorder, latency histograms, per-page tallies, SLO verdicts, live progress and metrics."""
