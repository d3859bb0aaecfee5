"""The local stack: embedded servers, the services, demo data. Used by `make run` and tests."""
