"""Operational commands: ``run show …``, ``show flow-accounting …``, ``clear …``,
``restart …``, resolved through the compiled op-mode definitions.

A command's argv comes from its definition; ``$N`` words are replaced by the
Nth typed word as a whole argument (never through a shell). Python op-mode
scripts shipped with vyflow run in-process as typed functions; anything else
runs as a subprocess with an argument list. ``--json`` anywhere selects raw
(JSON) output.
"""

from __future__ import annotations

from vyflow.cli.context import Context
from vyflow.errors import IncorrectValue, VyflowError
from vyflow.records import dataclass


@dataclass
class OpCommand:
    argv: list[str]
    words: list[str]
    options: list[str]      # typed "name value" words for a command ending in $*


def load_op_tree(context: Context) -> dict:
    from vyflow.definitions.cache import load_compiled
    return load_compiled(context.resources.op_definitions)['tree']


def _options(entry: dict, words: list[str]) -> list[str]:
    """Check ``name value`` option words against the node's option children."""
    allowed = {name: child for name, child in entry.get('children', {}).items()
               if 'command' not in child}  # a child with a command is a sub-command
    seen = set()
    for index in range(0, len(words), 2):
        name = words[index]
        if name not in allowed or name in seen:
            problem = 'given twice' if name in seen else 'not an option here'
            raise IncorrectValue(f'"{name}" is {problem}; options: {", ".join(sorted(allowed))}')
        if index + 1 >= len(words):
            raise IncorrectValue(f'"{name}" needs a value ({allowed[name].get("help", "")})')
        seen.add(name)
    return list(words)


def resolve(tree: dict, words: list[str]) -> OpCommand | None:
    """The command for typed words, or None if they name no command."""
    entry, index = tree, 0
    command = None
    while index < len(words):
        if entry.get('options') and 'command' not in entry.get('children', {}).get(words[index], {}):
            return OpCommand(command, words[:index], _options(entry, words[index:]))
        child = entry.get('children', {}).get(words[index])
        if child is None:
            return None
        index += 2 if child['kind'] == 'tag' else 1
        if index > len(words):
            return None  # a tag node needs its value
        entry = child
        command = entry.get('command')
    return OpCommand(command, words, []) if command else None


def possible(tree: dict, words: list[str]) -> list[str]:
    """Words that may follow ``words`` (for error hints)."""
    entry = tree
    index = 0
    while index < len(words):
        child = entry.get('children', {}).get(words[index])
        if child is None:
            break
        entry = child
        index += 2 if child['kind'] == 'tag' else 1
    return sorted(entry.get('children', {}))


def expand(command: OpCommand, context: Context) -> list[str]:
    argv = []
    for word in command.argv:
        if word == '$*':
            argv += command.options
        elif word.startswith('$') and word[1:].isdigit():
            argv.append(command.words[int(word[1:]) - 1])
        else:
            argv.append(context.resources.expand_variables(word))
    return argv


def execute(context: Context, words: list[str]) -> int:
    """Run an operational command; with ``--json`` even its error is JSON
    (an ``{"error": …}`` object on stdout, and the error's exit code)."""
    raw = '--json' in words
    words = [w for w in words if w != '--json']
    if not raw:
        return _execute(context, words, raw)
    try:
        return _execute(context, words, raw)
    except VyflowError as exc:
        from vyflow.opmode import error_object
        import json
        context.say(json.dumps(error_object(exc), indent=2))
        return exc.exit_code


def _execute(context: Context, words: list[str], raw: bool) -> int:
    tree = load_op_tree(context)
    command = resolve(tree, words)
    if command is None:
        hint = ', '.join(possible(tree, words))
        raise IncorrectValue(f'Invalid command: {" ".join(words)}'
                             + (f'\nPossible completions: {hint}' if hint else ''))
    argv = expand(command, context)
    script = argv[0]
    if script.endswith('.py') and script.startswith(str(context.resources.op_mode_dir)):
        from vyflow.config import RunEnvironment
        from vyflow.opmode import call
        from vyflow.scriptload import import_script
        module = import_script(script, 'vyflow_op_mode_')
        environment = RunEnvironment(context.paths, context.resources, context.dry_run)
        context.say(call(module, argv[1:], raw=raw, environment=environment) or '')
        return 0
    import subprocess
    return subprocess.run(argv, check=False).returncode


def run(context: Context, verb: str, args: list[str]) -> int:
    words = args if verb == 'run' else [verb] + args
    if not words:
        context.warn('usage: vyflow run COMMAND...')
        return 2
    return execute(context, words)
