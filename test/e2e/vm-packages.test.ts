// Package lists and CVEs against a real Debian 12 node in a qemu VM (issue 13, acceptance 3): Debian's openssh-server
// installed from a local repository, then a second local repository with the same three packages of its source
// (openssh-server, openssh-client, openssh-sftp-server) rebuilt in the guest at a higher version (`+cosi1`, with
// dpkg-deb), which the node's package lists do not know yet. With `refresh: never` the plan warns and does not say
// the node matches; with `refresh: {maxAge}` one apply refreshes the lists (apt-get update), upgrades all three in one
// transaction, and restarts ssh.service, which cosi's policy-rc.d held: the running sshd is the new binary and a
// second plan is empty. One boot serves every check (docs/packages.md, docs/testing-vm.md).
import test from 'ava';
import {ensureAptRepoDisk, useLocalRepo} from '../lib/vm/apt-repo.js';
import {ensureBaseImage} from '../lib/vm/image.js';
import {defaultRecipe} from '../lib/vm/image-recipe.js';
import {bootNode, cosi, planJson, sh} from '../lib/vm/node-session.js';

const documentPath = '/root/node.yaml';
const source = ['openssh-server', 'openssh-client', 'openssh-sftp-server'];

function documentOf(constraint: string, refresh: string): string {
  return `apiVersion: cosi.dev/v1alpha1
kind: NodeConfig
metadata:
  name: vm-packages
spec:
  packages:
    install:
      openssh-server: ${JSON.stringify(constraint)}
    refresh: ${refresh}
    restartServices: auto
`;
}

/**
 * rebuildScript rebuilds the source's packages from the repository disk at `version+cosi1` (Version and the exact
 * dependencies between them), and indexes them as a flat repository in /srv/cosi-new (what dpkg-scanpackages writes:
 * the control fields, Filename, Size, SHA256).
 */
function rebuildScript(version: string): string {
  return `set -eu
mkdir -p /srv/cosi-new /tmp/rebuild
cd /tmp/rebuild
for p in ${source.join(' ')}; do
  deb=$(ls /srv/cosi-repo/"$p"_*.deb | head -n 1)
  rm -rf "$p" && dpkg-deb -R "$deb" "$p"
  OLD='${version}' perl -pi -e 's/\\Q$ENV{OLD}\\E/$ENV{OLD}+cosi1/g' "$p/DEBIAN/control"
  dpkg-deb -Zgzip -b "$p" /srv/cosi-new/"$p"_cosi1.deb >/dev/null
done
cd /srv/cosi-new
for d in *.deb; do dpkg-deb -f "$d"; echo "Filename: ./$d"; echo "Size: $(stat -c %s "$d")"; echo "SHA256: $(sha256sum "$d" | cut -d ' ' -f 1)"; echo; done > Packages
echo 'deb [trusted=yes] file:/srv/cosi-new ./' > /etc/apt/sources.list.d/cosi-new.list
`;
}

test('lists refreshed by cosi: one apply upgrades openssh-server with the packages of its source, sshd runs the new binary, the plan named every package, a second plan is empty; with refresh never the plan warns over stale lists', async (t) => {
  const started = Date.now();
  const repo = await ensureAptRepoDisk(
    await ensureBaseImage(defaultRecipe, (line) => t.log(line)),
    ['openssh-server'],
    (line) => t.log(line),
  );
  const vm = await bootNode(t, {recipe: defaultRecipe, extraDisks: [repo.disk]});
  await useLocalRepo(vm);
  await sh(
    vm,
    'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server >/dev/null',
  );
  t.is(await sh(vm, 'systemctl is-active ssh.service'), 'active', "Debian's openssh-server runs sshd");
  const old = await sh(vm, "dpkg-query -W -f '${Version}' openssh-server");
  const oldPid = await sh(vm, 'systemctl show -p MainPID --value ssh.service');
  const wanted = `${old}+cosi1`;
  await sh(vm, rebuildScript(old));
  // The node's lists are three days old and do not know the new repository.
  await sh(
    vm,
    "rm -f /var/lib/apt/periodic/update-success-stamp; touch -d '3 days ago' /var/lib/apt/lists /var/lib/apt/lists/partial",
  );
  const listsTime = await sh(vm, 'stat -c %Y /var/lib/apt/lists');

  // refresh: never over stale lists: a warning, a condition, and no claim that the node matches.
  await vm.writeFile(documentPath, documentOf('latest', 'never'));
  const never = await cosi(t, vm, 'plan', documentPath);
  t.is(never.exitCode, 0, never.stderr);
  t.regex(never.stderr, /warning: the apt package lists are 3 d( \d+ h)? old and packages\.refresh is never/);
  t.notRegex(never.stdout, /The node matches the configuration/);
  t.regex(never.stdout, /package\.lists: .*packages\.refresh is never/);

  // refresh on: the plan reads the repositories through a private refresh and shows the whole transaction.
  await vm.writeFile(documentPath, documentOf(`>= ${wanted}`, '{ maxAge: 24h }'));
  const plan = await planJson(t, vm, documentPath);
  t.deepEqual(plan.diagnostics, []);
  t.is(await sh(vm, 'stat -c %Y /var/lib/apt/lists'), listsTime, "planning left the node's lists alone");
  const byAddress = Object.fromEntries(plan.changes.map((c) => [c.address, c]));
  const lists = byAddress['package.lists'];
  t.truthy(lists, plan.changes.map((c) => c.address).join(', '));
  t.regex(lists!.reason, /lists are 3 d( \d+ h)? old, older than maxAge 1 d: cosi runs apt-get update/);
  const server = byAddress['package.openssh-server'];
  t.is(server?.action, 'update');
  t.is(server?.after, wanted);
  t.true(server!.dependsOn.includes('package.lists'), 'the transaction comes after the refresh');
  for (const p of source)
    t.true(
      (server!.details ?? []).some((d) => d.trim() === `upgrade ${p} ${old} -> ${wanted}`),
      `the plan names ${p}: ${(server!.details ?? []).join(' | ')}`,
    );
  t.is(server!.disruption, 'restart:ssh.service');
  t.is(byAddress['service.ssh']?.disruption, 'restart:ssh.service', 'the restart is owed in the plan');

  const applyStarted = Date.now();
  const apply = await cosi(t, vm, 'apply', '--auto-approve', documentPath);
  t.is(apply.exitCode, 0, apply.stderr);
  t.log(`apply: ${((Date.now() - applyStarted) / 1000).toFixed(1)} s`);

  for (const p of source) t.is(await sh(vm, `dpkg-query -W -f '\${Version}' ${p}`), wanted, `${p} is upgraded`);
  const changed = (await sh(vm, "grep ' upgrade ' /var/log/dpkg.log | awk '{print $4}' | sed 's/:.*//' | sort -u"))
    .split('\n')
    .filter(Boolean);
  const planned = (server!.details ?? []).flatMap(
    (d) => /^\s*(?:install|upgrade|downgrade|reinstall|remove) (\S+)/.exec(d)?.[1] ?? [],
  );
  t.deepEqual(changed, [...planned].sort(), 'the plan listed every package the transaction changed');
  const pid = await sh(vm, 'systemctl show -p MainPID --value ssh.service');
  t.not(pid, oldPid, 'sshd was restarted');
  t.not(pid, '0');
  const exe = await sh(vm, `readlink /proc/${pid}/exe`);
  t.is(exe, '/usr/sbin/sshd', 'the running sshd is the file on disk, not a deleted one');
  t.is(await sh(vm, `dpkg-query -S ${exe} | cut -d: -f1`), 'openssh-server');
  t.is(await sh(vm, 'test -e /usr/sbin/policy-rc.d && echo present || echo absent'), 'absent');
  t.regex(
    await sh(vm, 'cat /var/log/apt/term.log'),
    /policy-rc\.d returned 101, not running 'restart [^']*ssh\.service'/,
    "the maintainer script's restart of ssh was held by cosi's policy-rc.d (and carried out by cosi: the new PID)",
  );
  t.is(await sh(vm, 'test -e /var/lib/cosi/policy-rc.d.requests && echo present || echo absent'), 'absent');

  const again = await cosi(t, vm, 'plan', '--detailed-exitcode', documentPath);
  t.is(again.exitCode, 0, `a second plan is empty: ${again.stdout}`);
  t.regex(again.stdout, /No changes\. The node matches the configuration\./);
  t.log(`vm-packages: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
