// Fast suites: pure functions and fixture roots. No root privileges, no network, no VM.
export default {
  files: ['dist/test/unit/**/*.test.js'],
  nodeArguments: ['--enable-source-maps'],
  timeout: '60s',
};
