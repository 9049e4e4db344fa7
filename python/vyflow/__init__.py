"""vyflow: a small VyOS-style configuration engine driving ipt-netflow flow accounting."""

__version__ = '1.0.0'
