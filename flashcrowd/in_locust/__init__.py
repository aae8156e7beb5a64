"""Inside every Locust process (local runner, master, each worker): the visitors, their HTTP client,
how a failed request is named, the run context and the wiring of a run into Locust's events."""
