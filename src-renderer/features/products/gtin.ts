/**
 * The GTIN mod-10 check digit, for the warning before a barcode is sent. The engine checks
 * again (src-main/features/products/gtin.ts) and decides; this copy exists because the
 * renderer may not import engine code, and asking the engine to find out would mean a
 * refused call per keystroke.
 */
const WITH_CHECK_DIGIT = new Set([8, 12, 13, 14]);

export function checkDigitWrong(code: string): boolean {
  if (!/^\d+$/.test(code) || !WITH_CHECK_DIGIT.has(code.length)) return false;
  let sum = 0;
  for (let i = code.length - 2, weight = 3; i >= 0; i--, weight = weight === 3 ? 1 : 3) sum += Number(code[i]) * weight;
  return (10 - (sum % 10)) % 10 !== Number(code[code.length - 1]);
}
