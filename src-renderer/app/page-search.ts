/**
 * The search box of the page on screen, for the `/` key: a page marks its main search
 * input with this attribute (`{...pageSearch}`), and `/` focuses it wherever the page is
 * (the library's binding falls back to its own searches when no page has one).
 */
export const pageSearch = { 'data-page-search': '' } as const;

/** Focuses (and selects) the visible page search; false when the page has none. */
export function focusPageSearch(): boolean {
  const input = [...document.querySelectorAll<HTMLInputElement>('[data-page-search]')].find((el) => el.offsetParent !== null);
  if (!input) return false;
  input.focus();
  input.select();
  return true;
}
