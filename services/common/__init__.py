"""The shared runtime: what every service does the same way, done once."""
