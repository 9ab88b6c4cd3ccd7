/**
 * "Leave without saving?": a page with unsaved work registers a question, and leaving the
 * page (a link, the back button, navigate(), closing or reloading the window) asks it
 * first. In-app moves are hash changes, which happen before any listener hears of them,
 * so a declined move is undone (the address put back) before the route is read again:
 * this module's listeners are added at import, ahead of the router's subscribers.
 */
import { useEffect } from 'react';

let question: string | null = null;
let guardedHash: string | null = null;
let acceptedHash = typeof window === 'undefined' ? '' : window.location.hash;

/** Asks before leaving `guardedHash`; true when the move may go on. */
export function mayLeave(toHash: string): boolean {
  if (question === null || toHash === guardedHash) return true;
  if (window.confirm(question)) {
    question = null;
    return true;
  }
  return false;
}

if (typeof window !== 'undefined') {
  // A link or the back button fires popstate, then hashchange: the first one asks.
  const onMove = () => {
    const to = window.location.hash;
    if (to === acceptedHash) return;
    if (mayLeave(to)) acceptedHash = to;
    else window.history.replaceState(null, '', acceptedHash);
  };
  window.addEventListener('popstate', onMove);
  window.addEventListener('hashchange', onMove);
  window.addEventListener('beforeunload', (e) => {
    if (question !== null) e.preventDefault();
  });
}

/** While `ask` is a question (unsaved work on this page), leaving the page asks it; null: leave freely. */
export function useLeaveGuard(ask: string | null): void {
  useEffect(() => {
    if (ask === null) return;
    question = ask;
    guardedHash = window.location.hash;
    acceptedHash = guardedHash;
    return () => {
      if (question === ask) question = null;
    };
  }, [ask]);
}
