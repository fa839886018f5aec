"""The gRPC runtime of the province-facing processes (threads, no eventlet)."""
