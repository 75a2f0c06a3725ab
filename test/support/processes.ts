import type { ChildProcess } from 'node:child_process';

/** A JSON log line of the gateway. */
export type LogLine = Record<string, any>;

/** What a gateway child process has written so far, once a line satisfied the wait. */
export interface LogWait {
  line: LogLine;
  lines(): LogLine[];
  stderr(): string;
}

/**
 * Reads a child's stderr until a JSON line satisfies `done` (by default the "gateway listening"
 * line); rejects with everything written when the child exits first or after `timeoutMs`.
 * The child's stderr keeps being collected afterwards.
 */
export function untilLogLine(child: ChildProcess, done: (line: LogLine) => boolean = (line) => line.message === 'gateway listening', timeoutMs = 20_000): Promise<LogWait> {
  let stderr = '';
  const lines = () => stderr.split('\n').flatMap((text) => (text.startsWith('{') && text.endsWith('}') ? [JSON.parse(text) as LogLine] : []));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no awaited log line within ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
    let settled = false;
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (settled) return;
      const line = lines().find(done);
      if (line === undefined) return;
      settled = true;
      clearTimeout(timer);
      resolve({ line, lines, stderr: () => stderr });
    });
    child.once('exit', (code) => {
      if (settled) return;
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${stderr}`));
    });
  });
}
