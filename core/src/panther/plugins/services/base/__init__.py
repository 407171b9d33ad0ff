"""The guide's base-class modules; each forwards to where the class now lives."""
