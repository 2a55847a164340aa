// Runs an ES module snippet in a fresh Node process (TypeScript sources through tsx), for behaviour that depends on
// process-wide state: the environment a driver reads at load time, module resolution, uncaught-error handlers.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This package's `src/` folder, for `import()`s inside a snippet. */
export const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** What the child printed and how it ended. */
export interface NodeRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `code` (an ES module; `SRC` is in scope as a string) in `node --import tsx`, with `env` added to this process's
 * environment (a value of `undefined` removes the variable) and `imports` preloaded before it.
 */
export function runNode(code: string, opts: { env?: Record<string, string | undefined>; imports?: string[] } = {}): NodeRun {
  const env: Record<string, string | undefined> = { ...process.env, ...opts.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const args = ['--conditions=@darl/source', '--import', 'tsx', ...(opts.imports ?? []).flatMap((m) => ['--import', m])];
  const r = spawnSync(process.execPath, [...args, '--input-type=module', '-e', `const SRC = ${JSON.stringify(SRC)};\n${code}`], {
    env: env as NodeJS.ProcessEnv,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A `--import` module (a data: URL) that makes the bare specifier `name` unresolvable, as when an optional package is
 * not installed.
 */
export function hidePackage(name: string): string {
  const hook =
    'export async function resolve(s, c, next) { if (s === ' + JSON.stringify(name) + ') { ' +
    'const e = new Error("Cannot find package \'" + s + "\' imported from " + c.parentURL); e.code = "ERR_MODULE_NOT_FOUND"; throw e; } ' +
    'return next(s, c); }';
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  return `data:text/javascript,${encodeURIComponent(register)}`;
}
