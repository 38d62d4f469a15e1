/**
 * Just enough of a Dockerfile reader for static checks (no Docker here):
 * comments dropped, `\` continuations joined, ARGs declared before the first
 * FROM substituted into FROM lines, instructions grouped by stage.
 */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

export interface Stage {
  readonly image: string;
  readonly name?: string;
  readonly platform?: string;
  readonly instructions: readonly Instruction[];
}

export function parseDockerfile(text: string): { globalArgs: Record<string, string>; stages: Stage[] } {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue; // also inside continuations, as Docker does
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full) logical.push(full);
  }

  const globalArgs: Record<string, string> = {};
  const stages: { image: string; name?: string; platform?: string; instructions: Instruction[] }[] = [];
  for (const l of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(l);
    if (!m?.[1]) continue;
    const keyword = m[1].toUpperCase();
    const args = m[2] ?? '';
    if (keyword === 'FROM') {
      const f = /^(?:--platform=(\S+)\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!f?.[2]) throw new Error(`cannot read FROM ${args}`);
      stages.push({ image: substitute(f[2], globalArgs), name: f[3], platform: f[1], instructions: [] });
    } else if (stages.length === 0) {
      if (keyword === 'ARG') {
        const [k, v = ''] = args.split('=', 2);
        if (k) globalArgs[k.trim()] = v.trim();
      }
    } else {
      stages[stages.length - 1]?.instructions.push({ keyword, args });
    }
  }
  return { globalArgs, stages };
}

function substitute(s: string, args: Record<string, string>): string {
  return s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a?: string, d?: string, b?: string) => {
    const name = (a ?? b) as string;
    return args[name] || d || '';
  });
}

/** ENV instructions of a stage as a map, for both `ENV k=v k2="v 2"` and `ENV k v`. */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of stage.instructions) {
    if (ins.keyword !== 'ENV') continue;
    if (!ins.args.includes('=')) {
      const [k, ...rest] = ins.args.split(/\s+/);
      if (k) env[k] = rest.join(' ');
      continue;
    }
    for (const m of ins.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)) {
      if (m[1]) env[m[1]] = m[3] ?? m[2] ?? '';
    }
  }
  return env;
}

/** Image reference split into name and tag; a missing tag is `latest`, as Docker reads it. */
export function imageTag(image: string): { name: string; tag: string } {
  const at = image.indexOf('@');
  if (at >= 0) return { name: image.slice(0, at), tag: image.slice(at + 1) };
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? { name: image.slice(0, colon), tag: image.slice(colon + 1) } : { name: image, tag: 'latest' };
}
