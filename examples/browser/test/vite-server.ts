// Starting the example's Vite server (dev or preview) on a free localhost port, for the page test and the
// throughput script.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const app = join(dirname(fileURLToPath(import.meta.url)), '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export const vite = join(app, 'node_modules/vite/bin/vite.js');

/**
 * Starts `vite` (the README's `pnpm --filter @darl/example-browser dev`) or `vite preview` and resolves to its origin.
 * `--bypass-lock`: a dev server the user already runs for this project must not stop the test's.
 */
export async function startServer(args: readonly string[] = []): Promise<{ origin: string; server: ChildProcess }> {
  const port = await freePort();
  // turbo forces colours on its tasks (FORCE_COLOR), and Vite then prints the URL with escape codes inside it.
  const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  const server = spawn(process.execPath, [vite, ...args, '--port', String(port), '--strictPort', '--bypass-lock'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vite did not start within 180 s:\n${log}`)), 180_000);
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.replace(/\x1b\[[0-9;]*m/g, '').includes(`127.0.0.1:${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    server.stdout!.on('data', onData);
    server.stderr!.on('data', onData);
    server.on('exit', (code) => reject(new Error(`vite exited with ${code}:\n${log}`)));
  });
  return { origin: `http://127.0.0.1:${port}`, server };
}

