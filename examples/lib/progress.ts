/** A one-line progress bar on a terminal; one line per update elsewhere (logs, CI). */
export function progressBar(label: string, done: number, total: number, fields: Record<string, string>): void {
  const width = 24;
  const filled = Math.round((done / total) * width);
  const bar = '█'.repeat(filled) + '·'.repeat(width - filled);
  const text = `${label} ${bar} ${String(done).padStart(String(total).length)}/${total}  ${Object.entries(fields).map(([k, v]) => `${k} ${v}`).join('  ')}`;
  if (process.stdout.isTTY) {
    process.stdout.write(`\r${text}\x1b[K`);
    if (done === total) process.stdout.write('\n');
  } else if (done === total) {
    console.log(text);
  }
}
