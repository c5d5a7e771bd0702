/**
 * `document` with the `##` section headed `heading` replaced by `section` (which carries its own heading), or
 * `section` appended when there is none; every other section is left as it is. BENCHMARKS.md is written this way by
 * several producers (`npm run bench`, the fault figures), each owning one section.
 */
export function replaceSection(document: string, heading: string, section: string): string {
  const lines = document.split('\n');
  const start = lines.findIndex((line) => line.trimEnd() === heading);
  if (start === -1) return `${document.trimEnd()}\n\n${section.trimEnd()}\n`;
  let end = lines.findIndex((line, index) => index > start && /^#{1,2} /.test(line));
  if (end === -1) end = lines.length;
  const before = lines.slice(0, start).join('\n').trimEnd();
  const after = lines.slice(end).join('\n').trim();
  return `${before === '' ? '' : `${before}\n\n`}${section.trimEnd()}\n${after === '' ? '' : `\n${after}\n`}`;
}
