"""`flashcrowd compare`: this run against a baseline run, figure by figure, with a verdict.

``inputs`` reads a run's record from its results directory or summary.json; ``tolerance``
holds what counts as a regression rather than noise; ``figures`` sets the two records side
by side and judges each figure; ``render`` writes the comparison for a terminal, HTML and JUnit.
"""
