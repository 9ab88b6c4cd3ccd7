import type { TFunction } from 'i18next';
import { useEffect, useRef, useState } from 'react';
import type { LockAnswer } from '../../../src-shared/contract/index.js';
import { useBackend } from '../../backend/index.js';

const REFRESH_MS = 60_000;

/** How a lock's holder reads in the UI language: a window's own name (`window abcde`) is worded, any other holder kept. */
export function holderText(t: TFunction, holder: string): string {
  const m = /^window ([a-z0-9]{1,8})$/.exec(holder);
  return m ? t('matching.windowName', { id: m[1] }) : holder;
}

/** This window's name in locks: stable while the tab lives, different for every window. */
export function windowHolder(): string {
  const key = 'atolye.matching.window';
  let name = sessionStorage.getItem(key);
  if (!name) {
    name = `window ${Math.random().toString(36).slice(2, 7)}`;
    sessionStorage.setItem(key, name);
  }
  return name;
}

/**
 * The review lock of the selected product: taken when it is opened, refreshed every
 * minute, given back when the window leaves it (another product, another page, closing).
 * `readOnly` answers say who holds it.
 */
export function useReviewLock(productId: string | null): { lock: LockAnswer | null; takeOver: () => void } {
  const backend = useBackend();
  const [answer, setAnswer] = useState<LockAnswer | null>(null);
  // A take-over the user asked for: used by the next take of that product only, so coming
  // back to it later asks again rather than taking it from whoever holds it then.
  const pendingTakeOver = useRef<string | null>(null);
  const [takeOverAsked, setTakeOverAsked] = useState(0);
  useEffect(() => {
    if (!productId) return;
    let current: LockAnswer | null = null;
    let stopped = false;
    const take = async (takeOver = false) => {
      try {
        current = await backend.call('matching.lock', { productId, holder: windowHolder(), takeOver });
        if (!stopped) setAnswer(current);
      } catch {
        if (!stopped) setAnswer(null);
      }
    };
    const force = pendingTakeOver.current === productId;
    pendingTakeOver.current = null;
    void take(force);
    const timer = setInterval(() => {
      if (current?.mode === 'edit') {
        const token = current.token;
        backend.call('matching.refreshLock', { productId, token }).catch(() => void take());
      } else void take();
    }, REFRESH_MS);
    const release = () => {
      if (current?.mode === 'edit') void backend.call('matching.releaseLock', { productId, token: current.token }).catch(() => {});
    };
    window.addEventListener('pagehide', release);
    return () => {
      stopped = true;
      clearInterval(timer);
      window.removeEventListener('pagehide', release);
      release();
      setAnswer(null);
    };
  }, [backend, productId, takeOverAsked]);
  return {
    lock: answer,
    // Taken from its holder at the user's word (a window closed without giving it back holds it for minutes).
    takeOver: () => {
      pendingTakeOver.current = productId;
      setTakeOverAsked((n) => n + 1);
    },
  };
}
