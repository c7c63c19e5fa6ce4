/** Small helpers for the benchmark's figures and tables. */

/** The p-th percentile (0-100) of ascending-sorted values, nearest-rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-';
}

export function fmtMs(n: number): string {
  if (!Number.isFinite(n)) return '-';
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

export function fmtSeconds(s: number): string {
  if (s >= 60) return `${Math.floor(s / 60)} min ${(s % 60).toFixed(1)} s`;
  return `${s.toFixed(1)} s`;
}

export function fmtMb(bytes: number | null): string {
  return bytes === null || !Number.isFinite(bytes) ? '-' : `${(bytes / 1048576).toFixed(0)}`;
}

/** A plain-text table: the first row is the header; numbers (and '-') are right-aligned. */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths: number[] = [];
  for (const r of cells) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  const numeric = (s: string) => /^[-+]?[\d,.]+( ?[a-zA-Z%]+)?$|^-$|^[\d.]+\/[\d.]+$/.test(s);
  const line = (r: string[]) =>
    r
      .map((c, i) => {
        const pad = ' '.repeat(widths[i] - [...c].length);
        return numeric(c) && i > 0 ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd();
  const out = [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of cells.slice(1)) out.push(line(r));
  return out.join('\n');
}
