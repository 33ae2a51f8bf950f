import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * Replaces one generated block of the `## API` section of bench/RESULTS.md (between
 * `<!-- <marker>:begin … -->` and `<!-- <marker>:end -->`), creating the section or the block when
 * missing. Text around the blocks and every other section are left as they are.
 */
export function writeApiBlock(file: string, marker: string, writer: string, generated: string) {
  const begin = `<!-- ${marker}:begin (written by ${writer}) -->`;
  const end = `<!-- ${marker}:end -->`;
  const block = `${begin}\n${generated}\n${end}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  const heading = /^## API\s*$/m.exec(text);
  if (!heading) {
    writeFileSync(file, `${text.trimEnd()}\n\n## API\n\n${block}\n`);
    return;
  }
  const sectionStart = heading.index + heading[0].length;
  const nextHeading = /^## /m.exec(text.slice(sectionStart));
  const sectionEnd = nextHeading ? sectionStart + nextHeading.index : text.length;
  let section = text.slice(sectionStart, sectionEnd);
  const b = section.indexOf(`<!-- ${marker}:begin`);
  const e = section.indexOf(end);
  section = b >= 0 && e > b ? section.slice(0, b) + block + section.slice(e + end.length) : `${section.trimEnd()}\n\n${block}\n\n`;
  text = text.slice(0, sectionStart) + section + text.slice(sectionEnd);
  writeFileSync(file, text);
}
