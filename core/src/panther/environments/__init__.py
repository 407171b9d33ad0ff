"""Network environments: where the services of a test run (``local``, ``docker_compose``).

The contract is :mod:`panther.environments.base`; each environment is a plugin of the
``panther.network_environment`` entry-point group, the built-in ones included.
"""
