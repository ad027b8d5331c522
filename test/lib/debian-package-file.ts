import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';

const run = promisify(execFile);

/** PackageFile is a file as a Debian package ships it: its text, and which package version it came from. */
export interface PackageFile {
  readonly text: string;
  readonly source: string;
}

const extracted = new Map<string, Promise<{dir: string; version: string}>>();

/**
 * privateApt writes an apt configuration in `dir` whose only source is Debian's `suite` (main) and whose lists and
 * cache live in `dir`, and updates its lists: this machine's sources and lists are not touched. Returns APT_CONFIG.
 */
async function privateApt(dir: string, suite: string): Promise<string> {
  for (const sub of ['lists/partial', 'cache/archives/partial', 'etc']) await mkdir(join(dir, sub), {recursive: true});
  await writeFile(
    join(dir, 'etc/sources.list'),
    `deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian ${suite} main\n`,
  );
  const config = join(dir, 'apt.conf');
  await writeFile(
    config,
    [
      `Dir::Etc::sourcelist "${dir}/etc/sources.list";`,
      'Dir::Etc::sourceparts "-";',
      `Dir::State::Lists "${dir}/lists";`,
      `Dir::Cache "${dir}/cache";`,
      'Acquire::Languages "none";',
      // Only the package indexes: a Contents index (apt-file's target, from this machine's apt.conf.d) is large and,
      // mid mirror sync, fails the whole update ("File has unexpected size").
      'Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled "false";',
      'APT::Sandbox::User "root";',
      '',
    ].join('\n'),
  );
  await run('apt-get', ['update', '-qq'], {env: {...process.env, APT_CONFIG: config}});
  return config;
}

/**
 * debianPackageFile reads `path` as Debian's package `name` ships it, at test time: from the installed package when
 * it is installed and holds the file (and no other suite is asked for), otherwise from the package fetched with
 * apt's own client (`apt-get download`: the machine's configured sources, or with `suite` a private apt
 * configuration for that Debian suite) and unpacked with `dpkg-deb -x` into a temporary directory; nothing is
 * installed. Throws, naming the package, when neither works.
 */
export async function debianPackageFile(
  name: string,
  path: string,
  {suite}: {suite?: string} = {},
): Promise<PackageFile> {
  const installed = await run('dpkg-query', ['-W', '-f=${Status} ${Version}', name]).then(
    (r) => r.stdout,
    () => '',
  );
  if (suite === undefined && installed.startsWith('install ok installed') && existsSync(path)) {
    const owners = await run('dpkg-query', ['-S', path]).then(
      (r) => r.stdout,
      () => '',
    );
    if (owners.split('\n').some((l) => l.split(':')[0]!.split(', ').includes(name))) {
      return {
        text: await readFile(path, 'utf8'),
        source: `${name} ${installed.split(' ').at(-1)} (installed), ${path}`,
      };
    }
  }
  const key = `${suite ?? ''}/${name}`;
  let unpacked = extracted.get(key);
  if (!unpacked) {
    unpacked = (async () => {
      const dir = await mkdtemp(join(tmpdir(), `cosi-deb-${name}-`));
      const env = suite ? {...process.env, APT_CONFIG: await privateApt(join(dir, 'apt'), suite)} : process.env;
      await run('apt-get', ['download', '-qq', '-o', 'APT::Sandbox::User=root', name], {cwd: dir, env});
      const deb = (await readdir(dir)).find((f) => f.startsWith(`${name}_`) && f.endsWith('.deb'));
      if (!deb) throw new Error(`apt-get download ${name} left no package`);
      await run('dpkg-deb', ['-x', join(dir, deb), join(dir, 'root')]);
      const version = (await run('dpkg-deb', ['-f', join(dir, deb), 'Version'])).stdout.trim();
      return {dir, version};
    })();
    extracted.set(key, unpacked);
  }
  const {dir, version} = await unpacked;
  return {
    text: await readFile(join(dir, 'root', path), 'utf8'),
    source: `${name} ${version} (apt-get download${suite ? ` from ${suite}` : ''}), ${path}`,
  };
}

/** cleanupDebianPackages removes what debianPackageFile unpacked. */
export async function cleanupDebianPackages(): Promise<void> {
  for (const unpacked of extracted.values())
    await unpacked.then(
      ({dir}) => rm(dir, {recursive: true, force: true}),
      () => undefined,
    );
  extracted.clear();
}

/** corpusFile reads one of cosi's own corpus files (fixtures/world): JSON after `#` comment lines naming its source. */
export async function corpusFile(path: string): Promise<{value: unknown; source: string}> {
  const text = await readFile(path, 'utf8');
  const comments = text.split('\n').filter((l) => l.startsWith('#'));
  return {
    value: JSON.parse(
      text
        .split('\n')
        .filter((l) => !l.startsWith('#'))
        .join('\n'),
    ),
    source: comments.join(' ').replace(/#\s*/g, '').slice(0, 160),
  };
}
