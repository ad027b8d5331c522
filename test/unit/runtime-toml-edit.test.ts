import test from 'ava';
import {parse} from 'smol-toml';
import {editToml, rawValue, tableKeys, tomlLiteral} from '../../src/resources/runtime/toml-edit.js';

const file = `# top comment
version = 2 # trailing

[grpc]
  address = "/run/containerd/containerd.sock"
  # a comment inside
  gid = 0

[plugins]
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
    SystemdCgroup = false
  [plugins.inline]
    opts = { a = 1 }
`;

const cases: Array<[string, Parameters<typeof editToml>[1], string]> = [
  ['replaces a value within its range', [{path: ['grpc', 'gid'], raw: '1001'}], file.replace('gid = 0', 'gid = 1001')],
  [
    'keeps a trailing comment',
    [{path: ['version'], raw: '3'}],
    file.replace('version = 2 # trailing', 'version = 3 # trailing'),
  ],
  [
    'adds a key at the end of its table, indented like its siblings',
    [{path: ['grpc', 'uid'], raw: '0'}],
    file.replace('  gid = 0\n', '  gid = 0\n  uid = 0\n'),
  ],
  [
    'adds a top-level key after the last top-level key',
    [{path: ['oom_score'], raw: '0'}],
    file.replace('version = 2 # trailing\n', 'version = 2 # trailing\noom_score = 0\n'),
  ],
  [
    'appends a new table at the end',
    [{path: ['plugins', 'io.containerd.grpc.v1.cri', 'cni', 'bin_dir'], raw: '"/usr/lib/cni"'}],
    `${file}\n[plugins."io.containerd.grpc.v1.cri".cni]\n  bin_dir = "/usr/lib/cni"\n`,
  ],
  [
    'edits inside an inline table in place',
    [{path: ['plugins', 'inline', 'opts', 'a'], raw: '2'}],
    file.replace('{ a = 1 }', '{ a = 2 }'),
  ],
];
for (const [title, edits, expected] of cases) {
  test(`editToml ${title}`, (t) => {
    const result = editToml(file, edits);
    t.true(result.ok);
    if (result.ok) t.is(result.text, expected);
  });
}

test('editToml refuses to extend an inline table and says why', (t) => {
  const result = editToml(file, [{path: ['plugins', 'inline', 'opts', 'b'], raw: '2'}]);
  t.false(result.ok);
  if (!result.ok) t.regex(result.reason, /inline table/);
});

test('editToml: removing what it added gives back the file byte for byte', (t) => {
  const added = editToml(file, [
    {path: ['grpc', 'uid'], raw: '0'},
    {path: ['plugins', 'io.containerd.grpc.v1.cri', 'cni', 'bin_dir'], raw: '"/usr/lib/cni"'},
    {path: ['oom_score'], raw: '-999'},
    {
      path: ['plugins', 'io.containerd.grpc.v1.cri', 'containerd', 'runtimes', 'runc', 'options', 'SystemdCgroup'],
      raw: 'true',
    },
  ]);
  t.true(added.ok);
  if (!added.ok) return;
  const restored = editToml(
    added.text,
    [
      {path: ['grpc', 'uid'], remove: true},
      {path: ['plugins', 'io.containerd.grpc.v1.cri', 'cni', 'bin_dir'], remove: true},
      {path: ['oom_score'], remove: true},
      {
        path: ['plugins', 'io.containerd.grpc.v1.cri', 'containerd', 'runtimes', 'runc', 'options', 'SystemdCgroup'],
        raw: 'false',
      },
    ],
    tableKeys(file),
  );
  t.true(restored.ok);
  if (restored.ok) t.is(restored.text, file);
});

test('rawValue returns source text; tomlLiteral round-trips through a TOML parser', (t) => {
  t.is(rawValue(file, ['grpc', 'address']), '"/run/containerd/containerd.sock"');
  t.is(rawValue(file, ['grpc', 'missing']), null);
  const value = {s: 'a "q" \\ é', n: 3, f: 1.5, b: true, list: ['x', 1], table: {'k.k': false}};
  t.deepEqual(parse(`v = ${tomlLiteral(value)}`).v, value);
});

test('editToml: a batch of edits gives what one edit at a time gives (property)', async (t) => {
  const fc = (await import('fast-check')).default;
  const name = fc.constantFrom('a', 'b', 'c', 'd', 'e');
  const edit = fc.oneof(
    fc.record({
      path: fc.tuple(fc.constantFrom('grpc', 'plugins', 'top', 'fresh'), name),
      raw: fc.integer({min: 0, max: 9}).map(String),
    }),
    fc.record({path: fc.tuple(fc.constantFrom('grpc', 'plugins'), name), remove: fc.constant(true as const)}),
  );
  const base = '# comment\nversion = 2\n\n[grpc]\n  a = 1\n  b = 2\n\n[plugins]\n  c = 3\n';
  fc.assert(
    fc.property(fc.uniqueArray(edit, {selector: (e) => e.path.join('.'), maxLength: 8}), (edits) => {
      const batch = editToml(base, edits);
      let sequential: ReturnType<typeof editToml> = {ok: true, text: base};
      // One at a time, sets first (as the batch does), then removals.
      for (const e of [...edits.filter((e) => !('remove' in e)), ...edits.filter((e) => 'remove' in e)])
        if (sequential.ok) sequential = editToml(sequential.text, [e]);
      t.deepEqual(batch, sequential);
    }),
    {numRuns: 300},
  );
});
