"""The commune's web console: server-rendered pages over the services' HTTP APIs."""
