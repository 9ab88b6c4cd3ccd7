/**
 * The security checklist of the shell, as pure decisions plus small installers that
 * take the Electron objects they act on (type-only imports: tests load this file under
 * plain Node).
 */
import type { Session, WebContents } from 'electron';

export const APP_SCHEME = 'atolye';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const MEDIA_SCHEME = 'atolye-media';

/** True for URLs of the app's own pages (atolye://app/…), nothing else. */
export function isAppUrl(url: string | null | undefined): boolean {
  if (!url) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && !u.username && !u.password && !u.port;
}

/**
 * Content-Security-Policy for app pages. Scripts and styles only from the app origin
 * (no inline, no eval; React's style props go through CSSOM, which CSP allows); images
 * also from the media protocol and data:/blob: (canvas previews); nothing may be framed,
 * embedded or posted anywhere. The same policy as web mode's, plus the media scheme.
 */
export function cspHeader(): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' ${MEDIA_SCHEME}: data: blob:`,
    `media-src 'self' ${MEDIA_SCHEME}: blob:`,
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers every app-protocol response carries. */
export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': cspHeader(),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

export type NavigationDecision = 'allow' | 'external' | 'deny';

/**
 * The hosts whose pages the app links to: model homepages and licences (the model
 * manifests in native-models/ and the download catalog). A link anywhere else is
 * refused: a name or text a user imported must not become a way to open arbitrary
 * sites (or a local server) in the OS browser.
 */
export const EXTERNAL_LINK_HOSTS: ReadonlySet<string> = new Set([
  'github.com',
  'huggingface.co',
  'www.tensorflow.org',
  'opensource.org',
  'creativecommons.org',
  'www.apache.org',
  'choosealicense.com',
  'spdx.org',
]);

/**
 * What to do when a page tries to go to `url`: stay inside the app origin; an https link
 * to an allow-listed host goes to the OS browser (after the user confirms); anything
 * else (other hosts, http:, file:, javascript:, other schemes, credentials) is refused.
 */
export function navigationDecision(url: string): NavigationDecision {
  if (isAppUrl(url)) return 'allow';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'deny';
  }
  if (u.protocol === 'https:' && !u.username && !u.password && !u.port && EXTERNAL_LINK_HOSTS.has(u.hostname)) return 'external';
  return 'deny';
}

/**
 * Opens an allow-listed link in the OS browser once the user said yes to a dialog that
 * shows where it goes. Answers whether it was opened.
 */
export async function openExternalAfterConfirm(url: string, deps: { confirm: (url: string) => Promise<boolean>; open: (url: string) => unknown }): Promise<boolean> {
  if (navigationDecision(url) !== 'external') return false;
  if (!(await deps.confirm(url))) return false;
  await deps.open(url);
  return true;
}

/** Whether an in-app navigation to `url` may proceed (the `will-navigate` guard). */
export function isAllowedNavigation(url: string): boolean {
  return navigationDecision(url) === 'allow';
}

/**
 * Permissions (camera, geolocation, notifications, clipboard read…) are denied to pages;
 * the main process posts the OS notifications itself. Listed exceptions only, and only
 * for app pages.
 */
const GRANTED_PERMISSIONS = new Set<string>(['clipboard-sanitized-write', 'fullscreen']);

export function isPermissionGranted(permission: string, requestingUrl: string | null | undefined): boolean {
  return GRANTED_PERMISSIONS.has(permission) && isAppUrl(requestingUrl);
}

/** The frame an IPC message came from, as Electron reports it. */
export interface SenderFrame {
  /** `event.senderFrame?.url`; null when the frame is gone or navigated away. */
  url: string | null | undefined;
  /** Whether it is the top frame of its page (`senderFrame === sender.mainFrame`). */
  isMainFrame: boolean;
}

/** IPC is accepted only from the top frame of an app page. */
export function isTrustedSender(frame: SenderFrame | null | undefined): boolean {
  return !!frame && frame.isMainFrame && isAppUrl(frame.url);
}

type OpenExternal = (url: string) => unknown;

/** Deny-by-default permission handlers for a session. */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(isPermissionGranted(permission, details.requestingUrl));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => isPermissionGranted(permission, requestingOrigin));
  session.setDevicePermissionHandler(() => false);
}

/**
 * Navigation and new-window guards for every web contents the app creates: pages never
 * leave the app origin, never open windows, never attach <webview>s. Web links open in
 * the OS browser.
 */
export function guardWebContents(contents: WebContents, openExternal: OpenExternal): void {
  // Electron passes the target as `event.url` (the positional url argument is deprecated).
  const onNavigate = (event: { preventDefault(): void; url?: string }, legacyUrl?: string) => {
    const url = event.url ?? legacyUrl ?? '';
    const decision = navigationDecision(url);
    if (decision === 'allow') return;
    event.preventDefault();
    if (decision === 'external') void openExternal(url);
  };
  contents.on('will-navigate', onNavigate);
  // Subframes (none are expected: CSP says frame-src 'none') never leave the app either.
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame && !isAllowedNavigation(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, legacyUrl) => {
    if (!isAllowedNavigation(event.url ?? legacyUrl)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (navigationDecision(url) === 'external') void openExternal(url);
    return { action: 'deny' };
  });
}
