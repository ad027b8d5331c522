import {readlinkSync} from 'node:fs';

/**
 * ownPidNamespace names this process's PID namespace (`pid:[4026531836]`), read from its own /proc entry, not the
 * node's under --root; 'unknown' without /proc. The apply lock compares it to tell whether a holder's PID can be
 * checked from here.
 */
export function ownPidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return 'unknown';
  }
}
