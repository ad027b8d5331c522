import test from 'ava';
import {mountOf, onReadOnlyMount, parseMountInfo} from '../../src/config/read-only-mount.js';

// A container's mountinfo as the kubelet and runc make it: the root, the node's / at /host, a ConfigMap volume
// mounted read-only, a mount point with a space, and two mounts stacked on one point.
const mountinfo = [
  '1071 1013 0:89 / / rw,relatime master:455 - overlay overlay rw,lowerdir=/a,upperdir=/b,workdir=/c',
  '1072 1071 253:1 / /host rw,relatime rslave - ext4 /dev/vda rw',
  '1080 1071 253:1 /var/lib/kubelet/pods/0d1e/volumes/kubernetes.io~configmap/document /etc/cosi/document ro,relatime - ext4 /dev/vda rw',
  '1081 1071 0:90 / /mnt/with\\040space ro,nosuid - tmpfs tmpfs ro',
  '1082 1071 0:91 / /stacked ro - tmpfs tmpfs ro',
  '1083 1082 0:92 / /stacked rw - tmpfs tmpfs rw',
  '',
].join('\n');

test('mountinfo: mount points (octal escapes decoded) and their per-mount ro flag', (t) => {
  const entries = parseMountInfo(mountinfo);
  t.deepEqual(
    entries.map((e) => [e.mountPoint, e.readOnly]),
    [
      ['/', false],
      ['/host', false],
      ['/etc/cosi/document', true],
      ['/mnt/with space', true],
      ['/stacked', true],
      ['/stacked', false],
    ],
  );
});

test('a path is on the mount with the longest mount point above it; of stacked mounts the top one', (t) => {
  const entries = parseMountInfo(mountinfo);
  t.true(mountOf(entries, '/etc/cosi/document')?.readOnly);
  t.true(mountOf(entries, '/etc/cosi/document/..2026_12_01_12_00_00.1')?.readOnly);
  t.is(mountOf(entries, '/etc/cosi/documents')?.mountPoint, '/', 'a longer name is not under the mount point');
  t.is(mountOf(entries, '/host/etc')?.mountPoint, '/host');
  t.true(mountOf(entries, '/mnt/with space/x')?.readOnly);
  t.false(mountOf(entries, '/stacked/x')?.readOnly);
});

test("this process's own mountinfo is read: / is a mount", (t) => {
  t.is(typeof onReadOnlyMount('/'), 'boolean');
});
