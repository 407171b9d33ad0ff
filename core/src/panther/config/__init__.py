"""Experiment configuration: the msgspec schema, its loader and its error messages."""
