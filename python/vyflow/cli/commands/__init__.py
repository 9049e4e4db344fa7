"""One module per subcommand; each exposes ``run(context, verb, args) -> int``."""
