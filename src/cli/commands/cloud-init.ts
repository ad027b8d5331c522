import {cloudConfig, parseInstallSource} from '../../boot/cloud-config.js';
import {UsageError, type Options} from '../args.js';
import {load} from '../context.js';
import type {Output} from '../output.js';

/**
 * cloudInit prints `#cloud-config` user-data that installs cosi (from the image, npm or a URL: --install), the
 * validated document, the boot and drift units, and applies the document on first boot before the runtime and
 * the kubelet start. The document is validated first; nothing on this machine is read or changed.
 */
export async function cloudInit(options: Options, output: Output): Promise<number> {
  const install = parseInstallSource(options.install);
  if (typeof install === 'string') throw new UsageError(install);
  const document = await load(options, output);
  // With patches, the node gets the document as validated, not the unpatched base file.
  const text = options.patches.length > 0 ? JSON.stringify(document.config, null, 2) + '\n' : document.text;
  output.out(cloudConfig({document: text, install}));
  return 0;
}
