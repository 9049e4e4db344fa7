"""Tests that run inside the guest kernel (a package, so that its conftest
does not shadow the host suite's top-level `conftest` module)."""
