"""flashcrowd: replay a flash crowd against a site and find where it starts resetting connections."""

__version__ = "0.1.0"
