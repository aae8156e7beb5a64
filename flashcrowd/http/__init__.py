"""The visitors' HTTP client, its TLS settings and the failure kinds of what it meets. Runs in every
Locust process (the visitors, find-break's drain probe) and in the CLI (the pre-flight request, which is
a visitor's first request made before any load), so it belongs to neither process's package."""
