"""Helpers for tests that run inside the guest kernel (see tests/guest/README.md).

Modules:
  cmd         run commands (argument lists only), in a network namespace or not
  module      the ipt_NETFLOW module: load/unload, parameters, sysctls, /proc files
  firewall    iptables/ip6tables -j NETFLOW rules that are removed again
  topology    the router + h1/h2/h3 network namespaces, the VRF variant
  traffic     ping / TCP / UDP generators run inside a namespace
  collectors  nfcapd, nfacctd and a raw UDP collector, decoded to flow dicts
"""
import os

GUEST_ENV = 'VYFLOW_GUEST'
HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT_ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))


def in_guest():
    """True inside the harness's guest (the runner sets VYFLOW_GUEST=1)."""
    return os.environ.get(GUEST_ENV) == '1'
