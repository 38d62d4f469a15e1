// Image build only (the Dockerfile's build stage runs it before `npm install`):
// node scripts/link-workspaces.mjs
//
// faas-cli copies each stack.yml `configuration.copy` path *into* the handler
// folder (function/core, function/detectors, function/sql). This script
//  1. lifts function/sql and every copied workspace package (a folder with a
//     package.json named @typedcluster/*) beside function/, the repo's layout;
//  2. keeps the packages the handler's package.json depends on, with their own
//     @typedcluster/* dependencies (detectors needs core), and removes the rest,
//     so a function that does not use detectors builds as before;
//  3. makes them npm workspaces next to function/ (so npm links them and
//     installs their dependencies), writes tsconfig.<dir>.json for each one
//     that has none (tsconfig.core.json ships with the template), and lists
//     them in dependency order in .workspace-packages for the compile loop.
// Plain JS with no dependencies: nothing is installed yet when it runs.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';

const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));
const depsOf = (pkg) => Object.keys(pkg.dependencies ?? {});

/** @type {Map<string, string>} package name → folder */
const copied = new Map();
for (const d of readdirSync('function', { withFileTypes: true })) {
  if (!d.isDirectory()) continue;
  const manifest = `function/${d.name}/package.json`;
  const isPackage = existsSync(manifest) && String(readJson(manifest).name ?? '').startsWith('@typedcluster/');
  if (!isPackage && d.name !== 'sql') continue;
  rmSync(d.name, { recursive: true, force: true });
  renameSync(`function/${d.name}`, d.name);
  if (isPackage) copied.set(readJson(`${d.name}/package.json`).name, d.name);
}
mkdirSync('sql', { recursive: true });

// Depth-first, dependencies before dependants: the order tsc must compile them in.
const order = [];
const visit = (name, seen = new Set()) => {
  const dir = copied.get(name);
  if (!dir || order.includes(dir)) return;
  if (seen.has(name)) throw new Error(`workspace packages depend on each other in a cycle at ${name}`);
  seen.add(name);
  for (const dep of depsOf(readJson(`${dir}/package.json`))) visit(dep, seen);
  order.push(dir);
};
for (const dep of depsOf(readJson('function/package.json'))) visit(dep);
for (const dir of copied.values()) if (!order.includes(dir)) rmSync(dir, { recursive: true, force: true });

const root = readJson('package.json');
root.workspaces = ['function', ...order];
writeFileSync('package.json', JSON.stringify(root, null, 2) + '\n');
for (const dir of order) {
  const file = `tsconfig.${dir}.json`;
  if (existsSync(file)) continue;
  const config = {
    extends: './tsconfig.json',
    compilerOptions: { rootDir: `${dir}/src`, outDir: `${dir}/dist`, declaration: true },
    include: [`${dir}/src/**/*.ts`],
    exclude: ['**/*.test.ts', '**/node_modules', `${dir}/dist`],
  };
  writeFileSync(file, JSON.stringify(config, null, 2) + '\n');
}
writeFileSync('.workspace-packages', order.join('\n') + (order.length ? '\n' : ''));
console.log(`workspace packages: ${order.join(', ') || 'none (from the registry)'}`);
