/**
 * Every bench service announces itself with the line our gateway logs on start, so the harness
 * reads one format from every process: `{"message":"gateway listening","url":...}` on stderr.
 */
export function announceListening(url: string, extra: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', message: 'gateway listening', url, ...extra })}\n`);
}

/** Ends the service when the harness goes away, even if it could not send a signal. */
export function exitWithParent(close: () => Promise<void>): void {
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    setTimeout(() => process.exit(0), 2000).unref();
    close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}
