import { useEffect, useEffectEvent, useRef, type ReactNode } from 'react';

interface DialogProps {
  /** Accessible name; shown as the heading unless `hideTitle`. */
  title: string;
  hideTitle?: boolean;
  onClose: () => void;
  children: ReactNode;
  className?: string;
  testId?: string;
}

/**
 * A modal on the native <dialog>: the browser gives it the top layer, a focus trap,
 * Escape-to-close and inertness of the page behind, which no div overlay gets right.
 */
export function Dialog({ title, hideTitle, onClose, children, className, testId }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const requestClose = useEffectEvent(() => onClose());

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const previous = document.activeElement as HTMLElement | null;
    if (!dialog.open) dialog.showModal();
    const onCancel = (e: Event) => {
      e.preventDefault();
      requestClose();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      // Back to where the user was, if it is still there.
      if (previous?.isConnected) previous.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className={`dialog ${className ?? ''}`}
      aria-label={title}
      data-testid={testId}
      onClick={(e) => {
        // A click on the backdrop lands on the <dialog> itself.
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div className="dialog-body">
        {hideTitle ? null : <h2 className="dialog-title">{title}</h2>}
        {children}
      </div>
    </dialog>
  );
}

interface ConfirmProps {
  title: string;
  body: string;
  confirmLabel: string;
  cancelLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
}

export function ConfirmDialog({ title, body, confirmLabel, cancelLabel, danger, onConfirm, onCancel, busy }: ConfirmProps) {
  return (
    <Dialog title={title} onClose={onCancel} testId="confirm-dialog" className="confirm">
      <p>{body}</p>
      <div className="dialog-actions">
        {/* Cancel first and focused: Enter on a delete prompt should not destroy anything. */}
        <button type="button" className="button" onClick={onCancel} autoFocus data-testid="confirm-cancel">
          {cancelLabel}
        </button>
        <button type="button" className={`button ${danger ? 'button-danger' : 'button-primary'}`} onClick={onConfirm} disabled={busy} data-testid="confirm-ok">
          {confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
