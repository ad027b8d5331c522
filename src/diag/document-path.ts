import type {DocumentPath} from './diagnostic.js';

const plainKey = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * formatDocumentPath renders a document path for people: `spec.modules.floppy.state`,
 * `spec.sysctls["net.ipv4.ip_forward"]`, `spec.cni.plugins[2]`.
 */
export function formatDocumentPath(path: DocumentPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (plainKey.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out === '' ? '(document)' : out;
}

/** parseJsonPointer turns an RFC 6901 pointer (`/spec/sysctls/net.ipv4.ip_forward`) into a document path. */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}
