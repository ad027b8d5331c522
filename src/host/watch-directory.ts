// The document's directory, watched for changes (fs.watch is inotify on Linux).
import {watch, type FSWatcher} from 'node:fs';

/**
 * watchDirectory calls `onChange` when an entry of `hostDir` is created, renamed, removed or written: a document
 * written in place, replaced by rename (an atomic write), or a kubelet ConfigMap's `..data` symlink swapped to a new
 * directory. Returns a function that stops watching; a directory that cannot be watched is reported once through
 * `onError` (the interval still reconciles).
 */
export function watchDirectory(hostDir: string, onChange: () => void, onError: (message: string) => void): () => void {
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(hostDir, {persistent: false}, () => onChange());
    watcher.on('error', (cause) => onError(cause.message));
  } catch (cause) {
    onError((cause as Error).message);
  }
  return () => watcher?.close();
}
