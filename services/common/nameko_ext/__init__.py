"""nameko extensions: the runtime of the worker processes (eventlet)."""
