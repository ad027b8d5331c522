import {payload} from '../../plan/change.js';
import {appliedRecord} from '../../engine/state.js';
import type {ApplyOutcome, ApplyRequest} from '../../engine/provider.js';
import {describeFailure, type CommandRequest} from '../../host/command.js';
import type {Host} from '../../host/host.js';
import type {GroupChangeData} from './plan.js';
import {readGroupDatabase} from './probe.js';

async function run(host: Host, argv: string[]): Promise<void> {
  const request: CommandRequest = {argv, timeoutMs: 60_000};
  const result = await host.run(request);
  if (result.exitCode !== 0) throw new Error(describeFailure(request, result));
}

/**
 * applyGroup carries out one planned group change with the distribution's tools, run inside the root (they take the
 * /etc/group and /etc/gshadow locks themselves and never leave a half-written file): `groupadd -g GID`, `gpasswd -a`,
 * `gpasswd -d`, `groupdel`. It reads the group database first and skips what is already done, so that a change
 * interrupted halfway can be applied again; a group that appeared since the plan with another gid is an error.
 */
export async function applyGroup({host, change, state}: ApplyRequest<GroupChangeData>): Promise<ApplyOutcome> {
  const data = payload(change);
  const now = await readGroupDatabase(host);
  const existing = Object.hasOwn(now.groups, data.name) ? now.groups[data.name] : undefined;
  if (data.create) {
    if (existing && existing.gid !== data.create.gid)
      throw new Error(
        `group ${data.name} appeared with gid ${existing.gid} since the plan (which gave it ${data.create.gid}): plan again`,
      );
    if (!existing) await run(host, ['groupadd', '-g', String(data.create.gid), '--', data.name]);
  }
  const members = existing?.members ?? [];
  for (const user of data.add) if (!members.includes(user)) await run(host, ['gpasswd', '-a', user, '--', data.name]);
  for (const user of data.remove) if (members.includes(user)) await run(host, ['gpasswd', '-d', user, '--', data.name]);
  if (data.groupdel && existing) await run(host, ['groupdel', '--', data.name]);

  if (change.action === 'delete') return {forget: true};
  return {record: appliedRecord({state, change, original: data.original ?? null})};
}
