import {warning, type Diagnostic} from '../diag/diagnostic.js';
import type {Host} from '../host/host.js';
import type {Leftover, Provider} from './provider.js';

/** findLeftovers asks every provider what an interrupted apply left behind. Read-only. */
export async function findLeftovers(host: Host, providers: readonly Provider[]): Promise<Leftover[]> {
  return (await Promise.all(providers.map((p) => p.leftovers?.({host}) ?? []))).flat();
}

/** leftoverWarnings are plan's warnings about them: apply takes them away before it changes anything. */
export function leftoverWarnings(leftovers: readonly Leftover[]): Diagnostic[] {
  return leftovers.map((l) => warning(l.summary));
}

/**
 * removeLeftovers takes away what an interrupted apply left and cosi can tell is its own, and returns one note per
 * thing it did; what it cannot tell is its own stays (plan's warning names it). Apply calls it holding the lock,
 * before any change.
 */
export async function removeLeftovers(host: Host, providers: readonly Provider[]): Promise<string[]> {
  const done: string[] = [];
  for (const leftover of await findLeftovers(host, providers)) if (leftover.remove) done.push(await leftover.remove());
  return done;
}
