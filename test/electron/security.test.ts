import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import {
  cspHeader,
  guardWebContents,
  hardenSession,
  isAllowedNavigation,
  isAppUrl,
  isPermissionGranted,
  isTrustedSender,
  navigationDecision,
  openExternalAfterConfirm,
  securityHeaders,
} from '../../src-main/electron/security.js';
import { windowOptions } from '../../src-main/electron/window.js';

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values];
    }),
  );
}

describe('content security policy', () => {
  const csp = directives(cspHeader());

  it('allows scripts from the app origin only: no inline, no eval', () => {
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(cspHeader()).not.toMatch(/unsafe-eval|unsafe-inline|wasm-unsafe-eval|\*/);
  });

  it('lets images come from the app, the media protocol, data: and blob: only', () => {
    expect(new Set(csp.get('img-src'))).toEqual(new Set(["'self'", 'atolye-media:', 'data:', 'blob:']));
  });

  it('forbids plugins, base rewriting, forms, frames and being framed', () => {
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('form-action')).toEqual(["'none'"]);
    expect(csp.get('frame-src')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('connects nowhere but the app origin', () => {
    expect(csp.get('connect-src')).toEqual(["'self'"]);
  });

  it('is sent with every app response, with nosniff', () => {
    expect(securityHeaders()).toMatchObject({ 'Content-Security-Policy': cspHeader(), 'X-Content-Type-Options': 'nosniff' });
  });
});

describe('app origin', () => {
  it.each([
    ['atolye://app/index.html', true],
    ['atolye://app/', true],
    ['atolye://app/assets/x.js?v=1#top', true],
    ['atolye://evil/index.html', false],
    ['atolye://app.evil/index.html', false],
    ['atolye://user:pw@app/index.html', false],
    ['atolye://app:8080/index.html', false],
    ['atolye-media://thumb/x', false],
    ['file:///etc/passwd', false],
    ['http://localhost:5173/', false],
    ['https://app/', false],
    ['javascript:alert(1)', false],
    ['', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(isAppUrl(url)).toBe(expected);
  });
  it('is false for a missing URL', () => {
    expect(isAppUrl(null)).toBe(false);
    expect(isAppUrl(undefined)).toBe(false);
  });
});

describe('navigation guard', () => {
  it.each([
    ['atolye://app/index.html#/gallery', 'allow'],
    ['https://huggingface.co/briaai/RMBG-1.4', 'external'],
    ['https://github.com/xuebinqin/U-2-Net/blob/master/LICENSE', 'external'],
    ['https://example.com/docs', 'deny'],
    ['http://huggingface.co/', 'deny'],
    ['https://huggingface.co:8443/', 'deny'],
    ['https://huggingface.co.evil.example/', 'deny'],
    ['https://127.0.0.1:5173/', 'deny'],
    ['http://localhost:8080/', 'deny'],
    ['https://user:pass@example.com/', 'deny'],
    ['file:///home/user/photo.jpg', 'deny'],
    ['javascript:alert(1)', 'deny'],
    ['data:text/html,<script>alert(1)</script>', 'deny'],
    ['atolye-media://original/0190e0e0-0000-7000-8000-000000000000', 'deny'],
    ['chrome://settings', 'deny'],
    ['devtools://devtools/bundled/inspector.html', 'deny'],
    ['smb://server/share', 'deny'],
    ['garbage', 'deny'],
  ] as const)('%s → %s', (url, expected) => {
    expect(navigationDecision(url)).toBe(expected);
    expect(isAllowedNavigation(url)).toBe(expected === 'allow');
  });

  function fakeContents() {
    const contents = new EventEmitter() as EventEmitter & { setWindowOpenHandler: ReturnType<typeof vi.fn>; openHandler?: (d: { url: string }) => { action: string } };
    contents.setWindowOpenHandler = vi.fn((h) => (contents.openHandler = h));
    return contents;
  }
  // Electron's current shape: the target on the event (`event.url`), the positional url deprecated.
  const navigate = (contents: EventEmitter, event: string, url: string, extra: Record<string, unknown> = {}) => {
    const e = { preventDefault: vi.fn(), url, ...extra };
    contents.emit(event, e, url);
    return e.preventDefault.mock.calls.length > 0;
  };
  const navigateLegacy = (contents: EventEmitter, event: string, url: string) => {
    const e = { preventDefault: vi.fn() };
    contents.emit(event, e, url);
    return e.preventDefault.mock.calls.length > 0;
  };

  it('keeps pages in the app, sends allow-listed links to the OS browser, opens no windows', () => {
    const contents = fakeContents();
    const openExternal = vi.fn();
    guardWebContents(contents as never, openExternal);

    expect(navigate(contents, 'will-navigate', 'atolye://app/index.html')).toBe(false);
    expect(navigate(contents, 'will-navigate', 'https://example.com/')).toBe(true);
    expect(navigate(contents, 'will-navigate', 'https://github.com/')).toBe(true);
    expect(openExternal).toHaveBeenCalledWith('https://github.com/');
    expect(navigate(contents, 'will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(navigate(contents, 'will-redirect', 'https://example.com/')).toBe(true);
    expect(navigate(contents, 'will-attach-webview', 'https://example.com/')).toBe(true);
    expect(openExternal).toHaveBeenCalledTimes(1);

    expect(navigateLegacy(contents, 'will-navigate', 'javascript:alert(1)')).toBe(true);
    expect(navigateLegacy(contents, 'will-navigate', 'atolye://app/index.html')).toBe(false);
    // Subframes are held to the same rule; main-frame ones are left to will-navigate.
    expect(navigate(contents, 'will-frame-navigate', 'https://example.com/', { isMainFrame: false })).toBe(true);
    expect(navigate(contents, 'will-frame-navigate', 'atolye://app/x.html', { isMainFrame: false })).toBe(false);
    expect(navigate(contents, 'will-frame-navigate', 'https://example.com/', { isMainFrame: true })).toBe(false);

    expect(contents.openHandler!({ url: 'https://huggingface.co/help' })).toEqual({ action: 'deny' });
    expect(contents.openHandler!({ url: 'https://example.com/help' })).toEqual({ action: 'deny' });
    expect(contents.openHandler!({ url: 'atolye://app/index.html' })).toEqual({ action: 'deny' });
    expect(contents.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(openExternal.mock.calls).toEqual([['https://github.com/'], ['https://huggingface.co/help']]);
  });

  it('opens an allow-listed link only after the user confirms, and never one off the list', async () => {
    const open = vi.fn();
    const asked: string[] = [];
    const confirm = async (url: string) => (asked.push(url), !url.includes('no'));
    expect(await openExternalAfterConfirm('https://huggingface.co/yes', { confirm, open })).toBe(true);
    expect(await openExternalAfterConfirm('https://huggingface.co/no', { confirm, open })).toBe(false);
    expect(await openExternalAfterConfirm('https://evil.example/yes', { confirm, open })).toBe(false);
    expect(await openExternalAfterConfirm('file:///etc/passwd', { confirm, open })).toBe(false);
    expect(asked).toEqual(['https://huggingface.co/yes', 'https://huggingface.co/no']);
    expect(open.mock.calls).toEqual([['https://huggingface.co/yes']]);
  });
});

describe('permissions', () => {
  it('denies by default, even to app pages', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'midi', 'clipboard-read', 'openExternal', 'pointerLock', 'display-capture', 'hid', 'serial', 'usb']) {
      expect(isPermissionGranted(p, 'atolye://app/index.html')).toBe(false);
    }
  });
  it('grants the listed ones to app pages only', () => {
    expect(isPermissionGranted('clipboard-sanitized-write', 'atolye://app/index.html')).toBe(true);
    expect(isPermissionGranted('clipboard-sanitized-write', 'https://example.com/')).toBe(false);
    expect(isPermissionGranted('fullscreen', undefined)).toBe(false);
  });
  it('installs request, check and device handlers that follow the same rule', () => {
    const session = { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn(), setDevicePermissionHandler: vi.fn() };
    hardenSession(session as never);
    const request = session.setPermissionRequestHandler.mock.calls[0]![0];
    const answers: boolean[] = [];
    request(null, 'media', (granted: boolean) => answers.push(granted), { requestingUrl: 'atolye://app/index.html' });
    request(null, 'fullscreen', (granted: boolean) => answers.push(granted), { requestingUrl: 'atolye://app/index.html' });
    expect(answers).toEqual([false, true]);
    const check = session.setPermissionCheckHandler.mock.calls[0]![0];
    expect(check(null, 'notifications', 'atolye://app')).toBe(false);
    expect(session.setDevicePermissionHandler.mock.calls[0]![0]()).toBe(false);
  });
});

describe('IPC sender validation', () => {
  it('accepts only the top frame of an app page', () => {
    expect(isTrustedSender({ url: 'atolye://app/index.html', isMainFrame: true })).toBe(true);
    expect(isTrustedSender({ url: 'atolye://app/index.html', isMainFrame: false })).toBe(false);
    expect(isTrustedSender({ url: 'https://example.com/', isMainFrame: true })).toBe(false);
    expect(isTrustedSender({ url: 'file:///tmp/evil.html', isMainFrame: true })).toBe(false);
    expect(isTrustedSender({ url: 'http://localhost:5173/', isMainFrame: true })).toBe(false);
    expect(isTrustedSender({ url: null, isMainFrame: true })).toBe(false);
    expect(isTrustedSender(null)).toBe(false);
  });
});

describe('window options', () => {
  const options = windowOptions({ preloadPath: '/app/dist/preload/preload.cjs', iconPath: '/app/resources/icon.png' });
  const web = options.webPreferences!;

  it('isolates and sandboxes the renderer, with no Node', () => {
    expect(web.contextIsolation).toBe(true);
    expect(web.sandbox).toBe(true);
    expect(web.nodeIntegration).toBe(false);
    expect(web.nodeIntegrationInWorker).toBe(false);
    expect(web.nodeIntegrationInSubFrames).toBe(false);
  });
  it('keeps web security on and risky features off', () => {
    expect(web.webSecurity).toBe(true);
    expect(web.allowRunningInsecureContent).toBe(false);
    expect(web.webviewTag).toBe(false);
    expect(web.experimentalFeatures).toBe(false);
    expect(web.navigateOnDragDrop).toBe(false);
  });
  it('uses the bundled preload and shows when painted', () => {
    expect(web.preload).toBe('/app/dist/preload/preload.cjs');
    expect(options.show).toBe(false);
    expect(options.icon).toBe('/app/resources/icon.png');
  });
  it('sets nothing that would loosen the defaults', () => {
    for (const key of ['enableBlinkFeatures', 'additionalArguments', 'partition', 'disableBlinkFeatures', 'enableWebSQL', 'plugins']) expect(web).not.toHaveProperty(key);
  });
});
