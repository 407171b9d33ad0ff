"""Network environments: where the services of a test run.

The contract is :mod:`panther.environments.base`; each environment is a plugin of the
``panther.network_environment`` entry-point group. The core's one built-in is
``local``; ``docker_compose`` comes from the ``panther-env-docker-compose`` distribution.
"""
