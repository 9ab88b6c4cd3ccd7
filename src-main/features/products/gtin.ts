/**
 * GTIN check digits (EAN-8, UPC-A, EAN-13, GTIN-14 share the mod-10 rule: weights 3 and 1
 * from the right, starting next to the check digit). Hand-written: it is six lines, and
 * the barcode libraries on npm are scanners and renderers, not validators.
 */
export function gtinCheckDigitValid(code: string): boolean {
  if (!/^\d+$/.test(code) || ![8, 12, 13, 14].includes(code.length)) return false;
  const digits = [...code].map(Number);
  const check = digits.pop()!;
  const sum = digits.reverse().reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === check;
}

/** Lengths that carry a GTIN check digit; others (in-store codes, UPC-E) are kept as given. */
export function hasCheckDigit(code: string): boolean {
  return [8, 12, 13, 14].includes(code.length);
}

/**
 * The ways one GTIN-12/13/14 is written: GS1 compares GTINs as 14 digits, so UPC-A
 * 036000291452, EAN-13 0036000291452 and GTIN-14 00036000291452 are one product's code.
 * A code is stored as the user gave it; a lookup tries each of these. GTIN-8 and other
 * lengths are only themselves (an 8-digit code padded to 13 digits is, in practice,
 * a store's own restricted-circulation number, not the same item).
 */
export function gtinSpellings(code: string): string[] {
  if (!/^\d+$/.test(code) || ![12, 13, 14].includes(code.length)) return [code];
  const core = code.replace(/^0+/, '');
  return [12, 13, 14].filter((n) => core.length <= n).map((n) => core.padStart(n, '0'));
}
