"""What a run leaves behind: summary.json, timeline.csv, report.html and junit.xml."""
