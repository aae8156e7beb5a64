"""In the `flashcrowd` command's own process: check a run's every input, start the bundled target
and supervise the Locust child process, then read what it wrote."""
