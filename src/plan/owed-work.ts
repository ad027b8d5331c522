import {restartedUnit, type Disruption} from './disruption.js';

/**
 * OwedWork is work a change leaves owed, to be done once after it by whichever provider performs that work: `work`
 * names what (a verb, `restart`), `target` on what, in the performing provider's own terms (a unit, for `restart`).
 * The engine matches a change's owed work with the provider whose `performs.work` is the same verb; it never looks
 * inside `target`.
 */
export interface OwedWork {
  readonly work: string;
  readonly target: string;
}

/**
 * OwedRecord is what the journal keeps of owed work that one change of an apply carries out (`Change.carriesOut`),
 * so that work whose causes are already on the node is not lost to a crash. `causes` are the addresses of the
 * changes that owed it; `interrupted` is when an interrupted apply first owed it; `address` is the change carrying
 * it out (set by the engine when it journals the record). The performing provider adds its own fields (the service
 * provider: `unit`), which the engine carries along without reading.
 */
export interface OwedRecord {
  readonly causes: readonly string[];
  readonly interrupted?: string;
  readonly address?: string;
}

/**
 * owedByDisruption is the work a change owes by default, read from its disruption: `restart:<target>` owes the
 * `restart` work on that target; other disruptions owe nothing (a reboot is never done by cosi). Pure.
 */
export function owedByDisruption(disruption: Disruption): OwedWork[] {
  const target = restartedUnit(disruption);
  return target === undefined ? [] : [{work: 'restart', target}];
}
