import type { ReactNode } from 'react';

/**
 * Inline SVG icons: symbol characters depend on the fonts a machine happens to have
 * (Debian's Chromium showed an empty box for the wastebasket), SVG draws the same everywhere.
 */
export function Svg({ children, size = 18 }: { children: ReactNode; size?: number }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
      className="icon"
    >
      {children}
    </svg>
  );
}

export const icons = {
  close: (
    <Svg size={16}>
      <path d="M6 6l12 12M18 6 6 18" />
    </Svg>
  ),
};
