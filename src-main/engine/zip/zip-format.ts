/**
 * The ZIP format's record signatures and limits (APPNOTE 6.3.10), shared by the products
 * feature's streaming writer and the datasets feature's hardened reader, so the two
 * cannot disagree on the format.
 */
export const LOCAL = 0x04034b50;
export const CENTRAL = 0x02014b50;
export const EOCD = 0x06054b50;
export const ZIP64_EOCD = 0x06064b50;
export const ZIP64_LOCATOR = 0x07064b50;
/** A 16-bit field's largest value: past it, ZIP64 records carry the count. */
export const U16_MAX = 0xffff;
/** A 32-bit field's largest value: past it (or at it, as a marker), ZIP64 carries sizes and offsets. */
export const U32_MAX = 0xffffffff;
/** General-purpose flag bit 11: names are UTF-8. */
export const UTF8_NAMES = 0x0800;
