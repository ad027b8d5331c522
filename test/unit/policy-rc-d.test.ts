import test from 'ava';
import {findLeftovers, removeLeftovers} from '../../src/engine/leftovers.js';
import {createHost} from '../../src/host/host.js';
import {
  denyAll,
  policyRcD,
  policyRcDLeftovers,
  policyRcDMarker,
  withPolicyRcD,
} from '../../src/resources/package/apt/policy-rc-d.js';
import {packageProvider} from '../../src/resources/package/provider.js';
import {createFixtureRoot} from '../lib/fixture-root.js';

// cosi's policy-rc.d around an apt transaction, on fixture roots: the marker is written before the file, the next
// apply removes a policy-rc.d that matches it, and an administrator's policy-rc.d is never touched. The same through
// a real apt in a Debian root, with a SIGKILL mid-transaction: test/e2e/package-apt-crash.test.ts.

const markerText = JSON.stringify({path: policyRcD, sha256: '0'.repeat(64)}) + '\n';
const admin = '#!/bin/sh\n# the administrator keeps services down in this image\nexit 101\n';

async function fixture(t: {teardown(fn: () => Promise<void>): void}, files: Record<string, string> = {}) {
  const root = await createFixtureRoot(files);
  t.teardown(() => root.cleanup());
  return {root, host: createHost({root: root.dir})};
}

test('during a transaction the marker is in place before the policy-rc.d, and both are gone after', async (t) => {
  const {root, host} = await fixture(t);
  const seen = await withPolicyRcD(host, async () => ({
    file: await root.read(policyRcD),
    marker: await root.read(policyRcDMarker),
  }));
  t.is(seen.file, denyAll);
  t.regex(seen.marker!, /"sha256":"[0-9a-f]{64}"/);
  t.is(await root.read(policyRcD), undefined);
  t.is(await root.read(policyRcDMarker), undefined);
  t.deepEqual(await policyRcDLeftovers(host), []);
});

test("a failing transaction still removes cosi's policy-rc.d and its marker", async (t) => {
  const {root, host} = await fixture(t);
  await t.throwsAsync(
    withPolicyRcD(host, async () => {
      throw new Error('apt failed');
    }),
    {message: 'apt failed'},
  );
  t.is(await root.read(policyRcD), undefined);
  t.is(await root.read(policyRcDMarker), undefined);
});

test('a policy-rc.d left by a killed transaction (marker and file as cosi wrote them) is planned as a warning and removed', async (t) => {
  const {root, host} = await fixture(t);
  // What a SIGKILL inside the transaction leaves: withPolicyRcD's body never returns.
  let killed!: () => void;
  void withPolicyRcD(host, () => new Promise<void>((resolve) => (killed = resolve)));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const leftFile = await root.read(policyRcD);
  const leftMarker = await root.read(policyRcDMarker);
  t.is(leftFile, denyAll);
  const after = await fixture(t, {[policyRcD]: leftFile!, [policyRcDMarker]: leftMarker!});
  killed();
  const found = await findLeftovers(after.host, [packageProvider]);
  t.is(found.length, 1);
  t.regex(found[0]!.summary, /\/usr\/sbin\/policy-rc\.d was left by an interrupted package transaction of cosi/);
  t.deepEqual(await removeLeftovers(after.host, [packageProvider]), [
    'removed /usr/sbin/policy-rc.d, left by an interrupted package transaction of cosi',
  ]);
  t.is(await after.root.read(policyRcD), undefined);
  t.is(await after.root.read(policyRcDMarker), undefined);
  t.deepEqual(await findLeftovers(after.host, [packageProvider]), []);
});

test("an administrator's policy-rc.d is left alone: present before a transaction, or in place of cosi's after a kill", async (t) => {
  const {root, host} = await fixture(t, {[policyRcD]: admin});
  t.is(
    await withPolicyRcD(host, async () => root.read(policyRcD)),
    admin,
    "the administrator's policy applies during the transaction",
  );
  t.is(await root.read(policyRcD), admin);
  t.is(await root.read(policyRcDMarker), undefined, 'no marker: cosi placed nothing');
  t.deepEqual(await policyRcDLeftovers(host), []);

  // A marker from a killed transaction, and a policy-rc.d that is not the file it describes (the administrator put
  // theirs in place meanwhile, byte for byte cosi's text or not): only the marker goes.
  for (const file of [admin, denyAll]) {
    const after = await fixture(t, {[policyRcD]: file, [policyRcDMarker]: markerText});
    const [found] = await policyRcDLeftovers(after.host);
    t.regex(
      found!.summary,
      /is not the file cosi wrote: it is the administrator's and stays; cosi apply removes the marker/,
    );
    t.deepEqual(await removeLeftovers(after.host, [packageProvider]), [
      `removed ${policyRcDMarker}, left by an interrupted package transaction (${policyRcD} is not cosi's and was left alone)`,
    ]);
    t.is(await after.root.read(policyRcD), file);
    t.is(await after.root.read(policyRcDMarker), undefined);
    // The next transaction then keeps to the administrator's policy, as before.
    t.is(await withPolicyRcD(after.host, async () => after.root.read(policyRcD)), file);
    t.is(await after.root.read(policyRcD), file);
  }
});

test('a marker cosi did not write is named, and neither it nor the policy-rc.d is touched', async (t) => {
  for (const marker of ['{"path": "/etc/shadow", "sha256": "x"}\n', 'not json\n', `{"path": "${policyRcD}"}\n`]) {
    const {root, host} = await fixture(t, {[policyRcD]: denyAll, [policyRcDMarker]: marker});
    const [found] = await findLeftovers(host, [packageProvider]);
    t.regex(
      found!.summary,
      /^\/var\/lib\/cosi\/policy-rc\.d\.json is not .*: it is not cosi's marker, so cosi cannot tell whether \/usr\/sbin\/policy-rc\.d is its own and leaves both/,
    );
    t.is(found!.remove, undefined);
    t.deepEqual(await removeLeftovers(host, [packageProvider]), []);
    t.is(await root.read(policyRcD), denyAll);
    t.is(await root.read(policyRcDMarker), marker);
  }
});

test('a marker whose policy-rc.d is gone (killed between the two removals) is removed', async (t) => {
  const {root, host} = await fixture(t, {[policyRcDMarker]: JSON.stringify({path: policyRcD, sha256: 'a'.repeat(64)})});
  t.deepEqual(await removeLeftovers(host, [packageProvider]), [
    `removed ${policyRcDMarker}, left by an interrupted package transaction`,
  ]);
  t.is(await root.read(policyRcDMarker), undefined);
});
