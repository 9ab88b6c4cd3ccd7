import path from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../../engine/package-root.js';
import { startServer } from '../../server/server.js';
import type { CliCommand } from '../../engine/cli-command.js';

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Serve the app in a browser (web mode) on 127.0.0.1',
  servesUntilStopped: true,
  usage: `atolye serve [--port N] [--no-ui]

Starts the engine and the loopback HTTP + WebSocket server, and prints the address
to open (it carries a per-run token; without it every request is refused). The browser
is sent on to a private address of its own, http://s<secret>.localhost:PORT/, whose
session cookie no other local server can receive (Chrome, Edge and Firefox resolve
*.localhost to this computer by themselves).
Ctrl+C stops it: the library is closed cleanly and the exit code is 130.

Options:
  --port N     port to listen on (default: a free one)
  --no-ui      serve the API only, not the built UI
  -h, --help   show this help`,
  async run(args, ctx) {
    const { values } = parseArgs({ args, options: { port: { type: 'string' }, 'no-ui': { type: 'boolean' } } });
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      ctx.err(`atolye serve: --port must be a number from 0 to 65535, not "${values.port}"`);
      return 2;
    }
    const engine = await ctx.engine();
    const server = await startServer({ engine, port, staticDir: values['no-ui'] ? null : path.join(packageRoot, 'dist', 'renderer') });
    ctx.out(`Atölye is serving ${engine.dataDir}`);
    ctx.out(`Open: ${server.loginUrl}`);
    await ctx.stopped;
    await server.close();
    return 0;
  },
};
