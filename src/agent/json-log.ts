/** LogLevel is a log line's severity. */
export type LogLevel = 'info' | 'warning' | 'error';

/** Log writes one JSON object per line: time, level, message, and fields. */
export type Log = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

/** jsonLog logs to `write` (standard error by default) as JSON lines, which journald and kubectl logs keep whole. */
export function jsonLog(write: (line: string) => void = (line) => process.stderr.write(line)): Log {
  return (level, msg, fields = {}) =>
    write(JSON.stringify({time: new Date().toISOString(), level, msg, ...fields}) + '\n');
}
