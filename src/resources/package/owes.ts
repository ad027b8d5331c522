import type {Change} from '../../plan/change.js';
import {owedByDisruption, type OwedWork} from '../../plan/owed-work.js';
import type {PackageChangeData} from './change-data.js';

/**
 * packageOwes is the work a package change leaves owed: a `restart` of every unit it names in `restarts` (the
 * declared units a package runs, the active services it ships, and with `restartServices: auto` those whose
 * processes map its files; the carrier also those of the dependencies the transaction changes in place). Its
 * disruption names only the first; a change without `restarts` owes what its disruption says. Pure.
 */
export function packageOwes(change: Change<PackageChangeData>): readonly OwedWork[] {
  const data = change.data;
  if (data?.op === 'install' && data.restarts && data.restarts.length > 0)
    return data.restarts.map((target) => ({work: 'restart', target}));
  return owedByDisruption(change.disruption);
}
