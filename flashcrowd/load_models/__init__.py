"""Inside the Locust process that runs the shape (local runner or master): one module per load
model - the scenario's curve, find-break's search - with its options, checks and Locust shape."""
