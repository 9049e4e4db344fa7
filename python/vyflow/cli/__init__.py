"""The ``vyflow`` command: one module per subcommand under ``commands/``,
the interactive shell in ``shell``, Tab/``?`` completion in ``completion``."""
