/**
 * Preloaded (`--import`) into `latchkey serve` by test/unit/cli-everyday.test.ts: the instant the
 * start-up summary is written to stdout, the process sends itself SIGTERM, as a supervisor that
 * acts on "ready" at once could. A clean stop then exits 0; a signal with no listener kills it.
 */
const write = process.stdout.write.bind(process.stdout) as (...args: unknown[]) => boolean;
process.stdout.write = ((...args: unknown[]) => {
  const written = write(...args);
  if (String(args[0]).includes('is ready')) process.kill(process.pid, 'SIGTERM');
  return written;
}) as typeof process.stdout.write;
