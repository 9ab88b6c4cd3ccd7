/** Entry names from a ZIP's central directory (enough to check what yazl wrote). */
export function zipEntryNames(zip: Buffer): string[] {
  const names: string[] = [];
  for (let i = 0; i + 46 <= zip.length; i++) {
    if (zip.readUInt32LE(i) !== 0x02014b50) continue;
    const n = zip.readUInt16LE(i + 28);
    names.push(zip.subarray(i + 46, i + 46 + n).toString('utf8'));
    i += 45 + n;
  }
  return names;
}
