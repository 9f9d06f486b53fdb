/**
 * Keeps test/bench/README.md's "latest results" block current: everything
 * between the two markers is replaced by the new table; the hand-written
 * method and history around it are left alone.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { notes, renderTable, tableRows } from './report.js';
import type { BenchResults } from './results.js';

/** Opening marker of the generated block in README.md. */
export const RESULTS_BEGIN = '<!-- bench-results:begin (written by npm run bench) -->';
/** Closing marker of the generated block. */
export const RESULTS_END = '<!-- bench-results:end -->';

/** The generated block: run line, machine line, table, notes. */
export function resultsBlock(results: BenchResults): string {
  const m = results.machine;
  const noteLines = notes(results);
  return [
    RESULTS_BEGIN,
    `Run: ${results.date} (${results.quick ? 'quick' : 'full'}, ${Math.round(results.durationSec)} s). ` +
      `Machine: ${m.cpus} cores, ${m.model}, Node ${m.node}, load average ${(m.loadAverageAtStart ?? Number.NaN).toFixed(2)} at start. ` +
      `Stream: ${Math.round(results.stream.kbps)} kbit/s.`,
    '',
    renderTable(tableRows(results)),
    '',
    ...(noteLines.length === 0 ? ['No errors, no failed sessions.'] : ['Notes:', ...noteLines.map((line) => `- ${line}`)]),
    RESULTS_END,
  ].join('\n');
}

/** Replaces the block in `readmePath` (appends it when the markers are missing). */
export function updateReadme(readmePath: string, results: BenchResults): void {
  const block = resultsBlock(results);
  const text = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : '# Benchmarks\n';
  const begin = text.indexOf(RESULTS_BEGIN);
  const end = text.indexOf(RESULTS_END);
  const next =
    begin >= 0 && end > begin
      ? text.slice(0, begin) + block + text.slice(end + RESULTS_END.length)
      : `${text.trimEnd()}\n\n## Latest results\n\n${block}\n`;
  writeFileSync(readmePath, next);
}
