import test from 'ava';
import {sysctlProvider} from '../../src/resources/sysctl/provider.js';
import {conformance} from '../lib/conformance.js';
import {kernelFiles} from '../lib/fixture-root.js';

conformance(test, {
  name: 'sysctl',
  provider: sysctlProvider,
  files: kernelFiles,
  spec: {
    sysctls: {
      'net.ipv4.ip_forward': 1,
      'net.ipv4.ip_local_port_range': '1024 65535',
      'net/ipv6/conf/eth0.100/disable_ipv6': 1,
    },
  },
  outsideChange: (root) => root.write('/proc/sys/net/ipv4/ip_forward', '0\n'),
  driftedAddress: 'sysctl.net.ipv4.ip_forward',
  documentChange: {
    spec: {
      sysctls: {
        'net.ipv4.ip_forward': 0,
        'net.ipv4.ip_local_port_range': '1024 65535',
        'net/ipv6/conf/eth0.100/disable_ipv6': 1,
      },
    },
    address: 'sysctl.net.ipv4.ip_forward',
  },
  removedSpec: {},
  async assertRestored(root) {
    if ((await root.read('/proc/sys/net/ipv4/ip_forward')) !== '0') throw new Error('ip_forward not restored');
    if ((await root.read('/proc/sys/net/ipv4/ip_local_port_range')) !== '32768\t60999')
      throw new Error('port range not restored');
    if ((await root.read('/etc/sysctl.d/90-cosi.conf')) !== undefined) throw new Error("cosi's file is still there");
  },
});
