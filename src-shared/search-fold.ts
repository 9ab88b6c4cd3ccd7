/**
 * Text as search compares it: accents dropped (NFKD, combining marks removed: "Café" →
 * "cafe"), the four Turkish i's made one ("İ", "I", "ı", "i" → "i"), then lower-cased.
 * SQLite's own lower() and LIKE know only ASCII, and JavaScript's toLowerCase() lowers
 * "I" to "i" and "İ" to "i" plus a combining dot, so without this a Turkish user's
 * "ışık" never met "IŞIK" and "istanbul" never met "İSTANBUL". Folding both the indexed
 * text and the query the same way makes search case- and accent-blind in every script.
 *
 * Registered on every connection as the SQL function `search_fold(text)` (database.ts),
 * so a migration can rebuild an index with exactly the text the code writes.
 */
export function searchFold(text: string): string {
  // toLowerCase then makes "I" an "i" too (without the locale, as wanted here).
  return withoutAccents(text).toLowerCase();
}

/**
 * Letters without their accents, case kept ("Süt Ürünleri" → "Sut Urunleri", "Işık" →
 * "Isik"): NFKD, combining marks removed, and "ı", which has no decomposition, as "i".
 */
export function withoutAccents(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/ı/g, 'i');
}
