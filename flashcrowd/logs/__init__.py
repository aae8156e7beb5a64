"""``flashcrowd scenario from-log``: access logs read in one streaming pass and written as a scenario."""
