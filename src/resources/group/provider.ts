import type {GroupChangeData} from './plan.js';
import {defineProvider, type Provider} from '../../engine/provider.js';
import type {CommandRunner} from '../../host/command.js';
import type {Host} from '../../host/host.js';
import {applyGroup} from './apply.js';
import {checkGroups} from './check-groups.js';
import {planGroups} from './plan.js';
import {probeGroups, type GroupObserved} from './probe.js';

/**
 * createGroupProvider builds the local group provider. `runner`, for tests on fixture roots only, replaces the host's
 * command runner (a simulated groupadd and gpasswd); files are still read through the host.
 */
export function createGroupProvider(
  options: {runner?: (host: Host) => CommandRunner} = {},
): Provider<GroupObserved, GroupChangeData> {
  const through = (host: Host): Host => (options.runner ? {...host, run: options.runner(host)} : host);
  return defineProvider({
    kind: 'group',
    sections: ['spec.groups'],
    probe: probeGroups,
    plan: planGroups,
    check: checkGroups,
    apply: (request) => applyGroup({...request, host: through(request.host)}),
  });
}

/** groupProvider manages local groups (`spec.groups`): created with groupadd, members added with gpasswd. */
export const groupProvider = createGroupProvider();
