import path from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../../engine/package-root.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { rememberedWebSession, rememberWebSession } from '../../server/web-session.js';
import type { CliCommand } from '../../engine/cli-command.js';

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Serve the app in a browser (web mode) on 127.0.0.1',
  servesUntilStopped: true,
  needsTheLibrary: 'one process serves a library at a time, and that one already does (the CLI reaches it by itself)',
  usage: `atolye serve [--port N] [--no-ui] [--new-address]

Starts the engine and the loopback HTTP + WebSocket server, and prints the address
to open (it carries a token; without it every request is refused). The browser
is sent on to a private address of its own, http://s<secret>.localhost:PORT/, whose
session cookie no other local server can receive (Chrome, Edge and Firefox resolve
*.localhost to this computer by themselves).

The address is remembered in the library (a file only this user can read): the next
run serves on the same port with the same token, so a tab left open reconnects by
itself after a restart. When another program has taken that port, a new one is used
and the run says so.
Ctrl+C stops it: the library is closed cleanly and the exit code is 130.

Options:
  --port N        port to listen on (default: the remembered one, else a free one)
  --new-address   forget the remembered port and token (open tabs must sign in again)
  --no-ui         serve the API only, not the built UI
  -h, --help      show this help`,
  async run(args, ctx) {
    const { values } = parseArgs({ args, options: { port: { type: 'string' }, 'no-ui': { type: 'boolean' }, 'new-address': { type: 'boolean' } } });
    const asked = values.port === undefined ? null : Number(values.port);
    if (asked !== null && (!Number.isInteger(asked) || asked < 0 || asked > 65535)) {
      ctx.err(`atolye serve: --port must be a number from 0 to 65535, not "${values.port}"`);
      return 2;
    }
    const engine = await ctx.engine();
    const remembered = values['new-address'] ? null : rememberedWebSession(engine.dataDir);
    const staticDir = values['no-ui'] ? null : path.join(packageRoot, 'dist', 'renderer');
    const start = (port: number) => startServer({ engine, port, staticDir, token: remembered?.token, sessionHost: remembered?.sessionHost });
    let server: RunningServer;
    const port = asked ?? remembered?.port ?? 0;
    try {
      server = await start(port);
    } catch (err) {
      // Only the remembered port gives way; a port the user asked for is theirs to free.
      if ((err as { code?: string }).code !== 'EADDRINUSE' || asked !== null) throw err;
      server = await start(0);
      ctx.err(`atolye serve: port ${port} (the last run's) is taken by another program; serving on ${server.port} from now on. A tab left open on the old address must be opened again with the new one.`);
    }
    try {
      rememberWebSession(engine.dataDir, { port: server.port, token: server.token, sessionHost: new URL(server.appUrl).hostname });
    } catch (err) {
      ctx.err(`atolye serve: cannot remember the address for the next run (${(err as Error).message}); it will change`);
    }
    ctx.out(`Atölye is serving ${engine.dataDir}`);
    ctx.out(`Open: ${server.loginUrl}`);
    await ctx.stopped;
    await server.close();
    return 0;
  },
};
