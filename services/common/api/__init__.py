"""The application layer's shared shape: request and response models in proto3 JSON
names, one table of operations per service, the doors (nameko RPC, HTTP, gRPC) that map
their transport onto that table, problem+json errors and the OpenAPI document."""
