import {readFileSync} from 'node:fs';

/** consoleTail returns the last `lines` lines of the serial console log at path (or a note when there is none). */
export function consoleTail(path: string, lines = 60): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return `(no console log at ${path})`;
  }
  // Strip terminal escapes and carriage returns the guest's getty and systemd write.
  const clean = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
  return clean.split('\n').slice(-lines).join('\n');
}

/** VmError is any harness failure; its message ends with the tail of the guest's serial console log. */
export class VmError extends Error {
  /** VmError builds the message from what failed plus the console tail read from consoleLog now. */
  constructor(message: string, consoleLog: string, options?: {cause?: unknown}) {
    super(
      `${message}\n--- serial console (${consoleLog}), last lines ---\n${consoleTail(consoleLog)}\n--- end of console ---`,
      options,
    );
    this.name = 'VmError';
  }
}
