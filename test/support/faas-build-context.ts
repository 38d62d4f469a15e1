import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * What `faas-cli build --shrinkwrap` makes for one function, done in TS so the
 * layout can be checked where faas-cli cannot be installed. It follows
 * faas-cli's createBuildContext (builder/build.go, and go-sdk's
 * builder.CreateBuildContext): clear build/<fn>; copy template/<lang> into it;
 * overlay the handler folder's entries on <handler_folder> (default
 * `function`), skipping entries named `build` and `template`; then copy each
 * `configuration.copy` path, resolved from the working directory and refused
 * outside it, to <handler_folder>/<path>. Files are copied with links
 * followed, as faas-cli's os.Stat-based copy does. The faas-cli test compares
 * this with the real thing whenever faas-cli is available.
 */
export function createBuildContext(cwd: string, fn: { name: string; lang: string; handler: string }, copyPaths: readonly string[]): string {
  const context = join(cwd, 'build', fn.name);
  rmSync(context, { recursive: true, force: true });
  const templateDir = join(cwd, 'template', fn.lang);
  const handlerFolder = handlerFolderOf(templateDir);
  const handlerDst = join(context, handlerFolder);
  mkdirSync(handlerDst, { recursive: true });
  cpSync(templateDir, context, { recursive: true, dereference: true });
  const handlerSrc = resolve(cwd, fn.handler);
  for (const entry of readdirSync(handlerSrc)) {
    if (entry === 'build' || entry === 'template') continue;
    cpSync(join(handlerSrc, entry), join(handlerDst, entry), { recursive: true, dereference: true });
  }
  for (const extra of copyPaths) {
    const abs = resolve(cwd, extra);
    const rel = relative(cwd, abs);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new Error(`copy path ${extra} is outside ${cwd}`);
    cpSync(abs, join(handlerDst, normalize(extra)), { recursive: true, dereference: true });
  }
  return context;
}

function handlerFolderOf(templateDir: string): string {
  const doc = parse(readFileSync(join(templateDir, 'template.yml'), 'utf8')) as { handler_folder?: string } | null;
  return doc?.handler_folder || 'function';
}

/** Every file under `dir`, as sorted '/'-separated paths relative to it. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d)) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

/** The parts of the repo a build needs, copied to `dest` without installs or build output. */
export function copyRepoForBuild(repo: string, dest: string): void {
  const skip = new Set(['node_modules', 'dist', 'build', '.typedcluster']);
  const filter = (src: string): boolean => !src.split(/[\\/]/).some((part) => skip.has(part));
  for (const part of ['stack.yml', 'template', 'functions', 'core', 'detectors', 'sql']) {
    cpSync(join(repo, part), join(dest, part), { recursive: true, filter: (src) => filter(relative(repo, src)) });
  }
}
