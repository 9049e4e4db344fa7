"""The configuration tree and its config.boot text form.

A tree is schema-free: it knows nodes, tag nodes, leaf values and comments, and
nothing about which paths are valid. Definitions give it meaning elsewhere.
"""

from vyflow.configtree.node import ConfigNode, natural_key
from vyflow.configtree.parser import ConfigFile, parse_config
from vyflow.configtree.render import render_config, render_tree

__all__ = ['ConfigNode', 'ConfigFile', 'natural_key', 'parse_config',
           'render_config', 'render_tree']
