"""``flashcrowd scenario from-log`` and ``from-har``, in the CLI process: access logs read in one
streaming pass, or a browser recording, written as a scenario."""
