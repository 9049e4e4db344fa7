"""Definitions: the VyOS-style XML that says which config paths and values exist.

Build time (needs lxml): ``transclude`` expands ``#include`` lines, ``compiler``
validates and compiles interface definitions, ``opcompiler`` the op-mode ones,
``config_schema`` derives a JSON Schema, ``build`` writes them all to one place.
Run time (stdlib only): ``model`` loads the compiled cache.
"""
