import os from 'node:os';
import path from 'node:path';

/**
 * Where the library lives. `ATOLYE_DATA_DIR` wins; otherwise the OS's per-user app-data
 * folder, the same place Electron's `app.getPath('userData')` would pick for "Atolye".
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.ATOLYE_DATA_DIR) return path.resolve(env.ATOLYE_DATA_DIR);
  const home = os.homedir();
  switch (platform) {
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Atolye');
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Atolye');
    default:
      return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'atolye');
  }
}
