// Slow suites against real components: kernel sysctls in network namespaces, dpkg/apt in
// throw-away Debian roots, real containerd and cloud-init, and a Debian VM booted with qemu.
export default {
  files: ['dist/test/e2e/**/*.test.js'],
  nodeArguments: ['--enable-source-maps'],
  timeout: '20m',
  concurrency: 1,
  serial: true,
};
