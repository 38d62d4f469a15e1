import type { Env } from '@typedcluster/core';

/** Where a command writes; injected so tests read what a user would see. */
export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Env;
  readonly cwd: string;
}

/** A flag as users see it in --help; converted for node:util parseArgs. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly default?: string | boolean;
  readonly description: string;
}
export type Options = Readonly<Record<string, OptionSpec>>;

/** One `typedcluster <command>`, described like faas-cli's cobra commands. */
export interface Command {
  /** Words after `typedcluster`, e.g. ['device', 'add']. */
  readonly path: readonly string[];
  readonly summary: string;
  readonly usage: string;
  readonly options: Options;
  /** Extra lines for `--help`: examples, notes. */
  readonly details?: readonly string[];
  run(values: Record<string, string | boolean | undefined>, positionals: string[], io: Io): Promise<number>;
}

export function helpText(cmd: Command): string {
  const lines = [cmd.summary, '', `Usage:\n  typedcluster ${cmd.path.join(' ')} ${cmd.usage}`.trimEnd(), '', 'Flags:'];
  for (const [name, o] of Object.entries(cmd.options)) {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ' <value>' : ''}`;
    lines.push(`  ${flag.padEnd(28)}${describeOption(o)}`);
  }
  lines.push(`  ${'-h, --help'.padEnd(28)}help for ${cmd.path.join(' ')}`);
  if (cmd.details?.length) lines.push('', ...cmd.details);
  return lines.join('\n');
}

function describeOption(o: OptionSpec): string {
  return o.default !== undefined ? `${o.description} (default ${String(o.default)})` : o.description;
}

/** parseArgs' shape: the same flags without descriptions. */
export function toParseArgsOptions(options: Options): Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }> {
  const out: Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }> = {};
  for (const [name, { type, short, default: d }] of Object.entries(options)) {
    out[name] = { type, ...(short ? { short } : {}), ...(d !== undefined ? { default: d } : {}) };
  }
  return out;
}
