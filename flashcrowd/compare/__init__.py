"""`flashcrowd compare` (and `smoke --baseline`), in the CLI process: this run's record against a
baseline's, figure by figure, with a verdict.

``inputs`` reads a run's record from its results directory or summary.json; ``tolerance``
holds what counts as a regression rather than noise; ``figures`` sets the two records side
by side and judges each figure; ``render`` writes the comparison for a terminal, HTML and JUnit.
"""
