import { parseArgs } from 'node:util';
import { StartupError } from '@typedcluster/core';
import { helpText, toParseArgsOptions, type Command, type Io } from './command.js';
import { COMMANDS } from './commands/index.js';

/** Runs one command line; returns the exit code. Pure of process state so tests can call it. */
export async function runCli(argv: string[], io: Io, commands: readonly Command[] = COMMANDS): Promise<number> {
  const cmd = findCommand(argv, commands);
  if (!cmd) {
    const wanted = argv.filter((a) => !a.startsWith('-')).join(' ');
    if (wanted && !argv.includes('--help') && !argv.includes('-h')) {
      io.err(`error: unknown command "${wanted}"`);
      io.err(usage(commands));
      return 2;
    }
    io.out(usage(commands));
    return 0;
  }
  const rest = argv.slice(cmd.path.length);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...toParseArgsOptions(cmd.options), help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    io.err(`error: ${(e as Error).message}`);
    io.err(`Run "typedcluster ${cmd.path.join(' ')} --help" for usage.`);
    return 2;
  }
  if (parsed.values['help']) {
    io.out(helpText(cmd));
    return 0;
  }
  try {
    return await cmd.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals, io);
  } catch (e) {
    if (e instanceof StartupError) {
      io.err(e.toLine());
      return 1;
    }
    throw e;
  }
}

function findCommand(argv: string[], commands: readonly Command[]): Command | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  return [...commands]
    .sort((a, b) => b.path.length - a.path.length)
    .find((c) => c.path.every((w, i) => words[i] === w) && argv.slice(0, c.path.length).every((a, i) => a === c.path[i]));
}

export function usage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.path.join(' ').length)) + 4;
  return [
    'typedcluster: secured industrial readings through OpenFaaS-style functions into PostgreSQL.',
    '',
    'Usage:\n  typedcluster <command> [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.path.join(' ').padEnd(width)}${c.summary}`),
    '',
    'Run "typedcluster <command> --help" for a command\'s flags.',
  ].join('\n');
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry) {
  const io: Io = { out: (l) => process.stdout.write(l + '\n'), err: (l) => process.stderr.write(l + '\n'), env: process.env, cwd: process.cwd() };
  runCli(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`internal error: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 70;
    },
  );
}
