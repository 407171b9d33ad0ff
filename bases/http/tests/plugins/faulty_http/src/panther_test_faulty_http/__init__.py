"""A faulty HTTP server for the HTTP base's tests."""
