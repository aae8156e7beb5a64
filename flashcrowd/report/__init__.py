"""What a run leaves behind, read from its record: summary.json, junit.xml, pages.csv and report.html
(Jinja2 templates in ``templates/``); the recorder writes timeline.csv itself as the run goes."""
