"""Tasks the commune's plans assign: owner, deliverable, deadline, progress."""
