import {
  boolField,
  decodeFields,
  encodeBool,
  encodeMessage,
  encodeString,
  messageField,
  stringField,
  stringsField,
} from './protobuf-wire.js';

/** identityService is the gRPC service path prefix of the CSI Identity service (csi.proto, package csi.v1). */
export const identityService = '/csi.v1.Identity';

/** registrationService is the kubelet plugin registration service a driver registrar serves (pluginregistration v1). */
export const registrationService = '/pluginregistration.Registration';

/** PluginInfo is CSI `GetPluginInfoResponse`: name = 1, vendor_version = 2 (manifest, 3, is not read). */
export interface PluginInfo {
  readonly name: string;
  readonly vendorVersion: string;
}

/** ProbeResult is CSI `ProbeResponse`: ready = 1, a `google.protobuf.BoolValue`; absent means ready (CSI spec). */
export interface ProbeResult {
  readonly ready: boolean;
  /** Whether the plugin filled in `ready` at all. */
  readonly reported: boolean;
}

/** RegistrationInfo is the kubelet's `PluginInfo`: type = 1, name = 2, endpoint = 3, supported_versions = 4. */
export interface RegistrationInfo {
  readonly type: string;
  readonly name: string;
  readonly endpoint: string;
  readonly supportedVersions: readonly string[];
}

/** emptyMessage encodes the empty requests (`GetPluginInfoRequest`, `ProbeRequest`, `InfoRequest`). */
export const emptyMessage = (): Buffer => Buffer.alloc(0);

/** decodePluginInfo decodes a `GetPluginInfoResponse`. */
export function decodePluginInfo(bytes: Uint8Array): PluginInfo {
  const fields = decodeFields(bytes);
  return {name: stringField(fields, 1) ?? '', vendorVersion: stringField(fields, 2) ?? ''};
}

/** encodePluginInfo encodes a `GetPluginInfoResponse` (for test servers). */
export function encodePluginInfo(info: PluginInfo): Buffer {
  return Buffer.concat([encodeString(1, info.name), encodeString(2, info.vendorVersion)]);
}

/** decodeProbe decodes a `ProbeResponse`. */
export function decodeProbe(bytes: Uint8Array): ProbeResult {
  const ready = messageField(decodeFields(bytes), 1);
  return ready === undefined
    ? {ready: true, reported: false}
    : {ready: boolField(decodeFields(ready), 1), reported: true};
}

/** encodeProbe encodes a `ProbeResponse`; `undefined` leaves `ready` out (for test servers). */
export function encodeProbe(ready: boolean | undefined): Buffer {
  return ready === undefined ? Buffer.alloc(0) : encodeMessage(1, encodeBool(1, ready));
}

/** decodeRegistrationInfo decodes the kubelet registration `PluginInfo`. */
export function decodeRegistrationInfo(bytes: Uint8Array): RegistrationInfo {
  const fields = decodeFields(bytes);
  return {
    type: stringField(fields, 1) ?? '',
    name: stringField(fields, 2) ?? '',
    endpoint: stringField(fields, 3) ?? '',
    supportedVersions: stringsField(fields, 4),
  };
}

/** encodeRegistrationInfo encodes the kubelet registration `PluginInfo` (for test servers). */
export function encodeRegistrationInfo(info: RegistrationInfo): Buffer {
  return Buffer.concat([
    encodeString(1, info.type),
    encodeString(2, info.name),
    encodeString(3, info.endpoint),
    ...info.supportedVersions.map((v) => encodeString(4, v)),
  ]);
}
