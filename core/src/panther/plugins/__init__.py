"""Plugin discovery and the manifest that plugins carry."""
