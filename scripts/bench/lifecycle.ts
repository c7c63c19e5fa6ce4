import type { EmbeddedPg } from '../../src/db/embedded';

/**
 * What a benchmark run must stop on the way out (normal end, failure or Ctrl-C), newest first, and
 * whether it was interrupted. One per benchmark process.
 */
export class BenchLifecycle {
  interrupted = false;
  private cleanups: (() => Promise<void>)[] = [];

  /** Registers something to stop at the end. */
  defer(fn: () => Promise<void>): void {
    this.cleanups.push(fn);
  }

  /** Stops an embedded PostgreSQL at the end unless `keep` (an interruption stops it anyway). */
  deferServerStop(embedded: EmbeddedPg | null, keep: boolean): void {
    if (embedded) this.defer(async () => (!keep || this.interrupted ? embedded.stop() : undefined));
  }

  async cleanUp(): Promise<void> {
    while (this.cleanups.length) {
      const fn = this.cleanups.pop()!;
      await fn().catch((err) => process.stderr.write(`cleanup: ${(err as Error).message}\n`));
    }
  }

  /** Ctrl-C: stop everything, then exit 130 (a second Ctrl-C exits at once); SIGTERM: exit 143. */
  handleSignals(): void {
    process.on('SIGINT', () => {
      if (this.interrupted) process.exit(130);
      this.interrupted = true;
      process.stderr.write('\ninterrupted: stopping the API and PostgreSQL…\n');
      this.cleanUp().finally(() => process.exit(130));
    });
    process.on('SIGTERM', () => {
      this.interrupted = true;
      this.cleanUp().finally(() => process.exit(143));
    });
  }
}
